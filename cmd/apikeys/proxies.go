package main

import (
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// parseProxies reads --trusted-proxy values: addresses or CIDR ranges, the
// same way allow-list entries are read (a range with host bits set is refused
// with the one probably meant).
func parseProxies(vals []string) (httpapi.Proxies, error) {
	var out httpapi.Proxies
	for _, v := range vals {
		p, err := model.ParseEntry(v)
		if err != nil {
			return nil, usagef("--trusted-proxy: %v", err)
		}
		out = append(out, p)
	}
	return out, nil
}
