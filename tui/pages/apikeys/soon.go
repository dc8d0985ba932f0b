package apikeys

// ShowSoon switches the list to the expiring-soon view (the `!` view) if it
// isn't already: the root sends the admin here from the expiry banner.
func (p *Page) ShowSoon() {
	if !p.soon {
		p.toggleSoon()
	}
}
