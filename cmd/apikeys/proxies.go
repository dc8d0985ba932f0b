package main

import (
	"strings"
	"unicode"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// parseProxies reads --trusted-proxy values: addresses or CIDR ranges, the
// same way allow-list entries are read (a range with host bits set is refused
// with the one probably meant). A value may hold several, separated by commas
// or spaces, so that APIKEYS_TRUSTED_PROXY can.
func parseProxies(vals []string) (httpapi.Proxies, error) {
	var out httpapi.Proxies
	for _, v := range vals {
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			p, err := model.ParseEntry(f)
			if err != nil {
				return nil, usagef("--trusted-proxy: %v", err)
			}
			out = append(out, p)
		}
	}
	return out, nil
}
