package app

import (
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/model"
)

// Hygiene is the client's key-usage, hygiene and ownership calls (SPEC §12),
// when it has them and the member may see key usage: the hygiene view, the
// details' sparkline and deactivating a member who owns keys ask for it.
func (c *Context) Hygiene() (client.Hygiene, bool) {
	h, ok := c.Client.(client.Hygiene)
	return h, ok && c.Can(model.ActViewUsage, "")
}
