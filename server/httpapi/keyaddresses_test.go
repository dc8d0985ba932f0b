package httpapi_test

import (
	"net/http"
	"testing"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// TestKeyAddressesOverHTTP: one key used within the same minute through the
// real handler from two loopback addresses has both recorded after Flush, each
// once, and a dry run of a list allowing one of them names the other.
func TestKeyAddressesOverHTTP(t *testing.T) {
	e := &allowEnv{env: newEnv(t, httpapi.Config{})}
	key, secret := e.createKey("SIEM", model.KeyAuditLogs)
	for _, local := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.2"} {
		if r := e.from(local, http.MethodGet, "/api/v1/audit-logs/events", "", "Authorization: Bearer "+secret); r.status != http.StatusOK {
			t.Fatalf("from %s: %d %s", local, r.status, r.body)
		}
	}
	if err := e.b.Flush(e.ctx); err != nil {
		t.Fatal(err)
	}
	as, err := e.owner.KeyAddresses(e.ctx, key.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, a := range as {
		got[a.Addr] = a.Uses
	}
	if len(got) != 2 || got["127.0.0.2"] != 1 || got["127.0.0.3"] != 1 {
		t.Errorf("addresses recorded: %v; want 127.0.0.2 and 127.0.0.3, once each", got)
	}
	if _, err := e.owner.CreateAllowList(e.ctx, backend.CreateAllowListRequest{Name: "office", Entries: []string{"127.0.0.2"}}); err != nil {
		t.Fatal(err)
	}
	rs, err := e.owner.DryRunLinkAllowList(e.ctx, "office", []string{key.ID})
	if err != nil || len(rs) != 1 || len(rs[0].Refused) != 1 || rs[0].Refused[0].Addr != "127.0.0.3" {
		t.Errorf("dry run of linking to 127.0.0.2 only: %+v, %v; want 127.0.0.3 refused", rs, err)
	}
}
