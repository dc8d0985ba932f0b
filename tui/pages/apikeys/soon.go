package apikeys

import (
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// ShowSoon switches the list to the expiring-soon view (the `!` view) if it
// isn't already: the root sends the admin here from the expiry banner.
func (p *Page) ShowSoon() {
	if !p.soon {
		p.toggleSoon()
	}
}

// expiringSoon is the expiring-soon view's filter (model's rule) as of now. A key
// neither replaced nor due within the window and three days more can't be
// in it, whatever the zone: those, most of a million, are passed over
// without being unpacked into a model.Key for the rule.
func (p *Page) expiringSoon() func(i int) bool {
	now := p.ctx.Now()
	past := now.Add(model.ExpiringSoon + 72*time.Hour).UnixMicro()
	return func(i int) bool {
		e := &p.list.rows[i]
		if e.more == 0 && e.expires > past {
			return false
		}
		return p.ctx.Policy.ExpiresWithin(p.list.key(i), now, model.ExpiringSoon)
	}
}
