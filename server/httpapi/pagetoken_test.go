package httpapi_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// firstPage lists query with limit=1 over events that fill several pages and
// returns the token of the next page.
func firstPage(t *testing.T, e *env, audit, query string) string {
	t.Helper()
	var p eventPage
	r := e.events(audit, query+"&limit=1")
	if r.status != 200 {
		t.Fatalf("first page of %s: %d %s", query, r.status, r.body)
	}
	r.json(t, &p)
	if p.NextPageToken == nil {
		t.Fatalf("first page of %s: no nextPageToken", query)
	}
	return url.QueryEscape(*p.NextPageToken)
}

func TestPageTokensExpireAnHourAfterTheFirstPage(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	appendEvents(t, e, e.clock.Now(), 5, model.EventApiKeyUpdated)
	tok := firstPage(t, e, audit, "eventType=ApiKeyUpdated")

	// Paging on keeps the first page's time: each new token expires with it.
	e.clock.Add(40 * time.Minute)
	var p eventPage
	e.events(audit, "pageToken="+tok+"&limit=1").json(t, &p)
	if p.NextPageToken == nil {
		t.Fatal("page 2: no nextPageToken")
	}
	tok = url.QueryEscape(*p.NextPageToken)
	e.clock.Add(19 * time.Minute)
	if r := e.events(audit, "pageToken="+tok+"&limit=1"); r.status != 200 {
		t.Fatalf("59 minutes after the first page: %d %s", r.status, r.body)
	}
	e.clock.Add(2 * time.Minute)
	msg := e.events(audit, "pageToken="+tok+"&limit=1").wantError(t, 400, "invalid_request")
	if !strings.Contains(msg, "expired") || !strings.Contains(msg, "without pageToken") {
		t.Errorf("61 minutes after the first page: %q", msg)
	}
}

func TestPageTokensRecheckTheLookBack(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	from := e.clock.Now().Add(-180*24*time.Hour + 10*time.Minute)
	appendEvents(t, e, from.Add(time.Minute), 3, model.EventApiKeyUpdated)
	tok := firstPage(t, e, audit, "eventType=ApiKeyUpdated&from="+url.QueryEscape(from.Format(time.RFC3339)))

	// Within the token's hour, but `from` has slipped past 180 days.
	e.clock.Add(11 * time.Minute)
	msg := e.events(audit, "pageToken="+tok).wantError(t, 400, "invalid_request")
	if !strings.Contains(msg, "180 days") {
		t.Errorf("a later page beyond the look-back: %q", msg)
	}
}

func TestPageTokensRefuseAnotherEventType(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	appendEvents(t, e, e.clock.Now(), 4, model.EventApiKeyUpdated)
	appendEvents(t, e, e.clock.Now(), 4, model.EventUserInvited)
	tok := firstPage(t, e, audit, "eventType=ApiKeyUpdated,UserInvited")

	for _, c := range []struct {
		query  string
		status int
	}{
		{"", 200},
		{"eventType=ApiKeyUpdated,UserInvited", 200},
		{"eventType=UserInvited&eventType=apikeyupdated", 200}, // the same set
		{"eventType=ApiKeyUpdated", 400},
		{"eventType=SshKeyAdded", 400},
		{"eventType=ApiKeyUpdated,UserInvited,SshKeyAdded", 400},
	} {
		r := e.events(audit, c.query+"&pageToken="+tok+"&limit=1")
		if c.status == 200 {
			if r.status != 200 {
				t.Errorf("%s beside the token: %d %s", c.query, r.status, r.body)
			}
			continue
		}
		if msg := r.wantError(t, 400, "invalid_request"); !strings.Contains(msg, "eventType") {
			t.Errorf("%s beside the token: %q", c.query, msg)
		}
	}
}

// TestPageTokensCantBeForgedFromTheWorkspaceID signs a token as the old code
// did, with a key derived from the workspace id alone, for a window reaching
// back past the look-back: it must be refused.
func TestPageTokensCantBeForgedFromTheWorkspaceID(t *testing.T) {
	e := newEnv(t, httpapi.Config{})
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	ws, err := e.st.Workspace(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clock.Now()
	body, _ := json.Marshal(map[string]any{
		"i": now.UnixMicro(), "e": "evt_zzzzzzzz", "f": now.Add(-170 * 24 * time.Hour).UnixMicro(), "s": now.UnixMicro(),
	})
	key := sha256.Sum256([]byte("apikeys page token\x00" + ws.ID))
	mac := hmac.New(sha256.New, key[:])
	mac.Write(body)
	forged := base64.RawURLEncoding.EncodeToString(append(mac.Sum(nil)[:16], body...))
	if msg := e.events(audit, "pageToken="+url.QueryEscape(forged)).wantError(t, 400, "invalid_request"); !strings.Contains(msg, "pageToken") {
		t.Errorf("forged token: %q", msg)
	}
}
