package audit

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

// The subject column reads the payload as the backend writes it, through the
// payload's type: an SSH session names its member, else its key, else the
// address the backend records as remoteAddress.
func TestSubject(t *testing.T) {
	tests := []struct {
		typ     model.EventType
		payload string
		want    string
	}{
		{model.EventApiKeyCreated, `{"keyId":"key_1","name":"SIEM","type":"audit-logs"}`, "SIEM"},
		{model.EventUserInvited, `{"userId":"mem_1","userName":"Eve Adams","userEmail":"eve@acme.test"}`, "Eve Adams"},
		{model.EventUserDeactivated, `{"userId":"mem_1","userEmail":"eve@acme.test"}`, "eve@acme.test"},
		{model.EventSshSessionStarted, `{"userName":"Ana","fingerprint":"SHA256:abc","remoteAddress":"192.0.2.10"}`, "Ana"},
		{model.EventSshSessionStarted, `{"fingerprint":"SHA256:abc","remoteAddress":"192.0.2.10"}`, "SHA256:abc"},
		{model.EventSshSessionStarted, `{"remoteAddress":"192.0.2.10"}`, "192.0.2.10"},
		{model.EventApiKeyCreated, `{"name":"evil\u001b[2Jname"}`, `evil\x1b[2Jname`},
		{model.EventApiKeyCreated, `not json`, ""},
	}
	for _, tt := range tests {
		e := model.AuditEvent{Type: tt.typ, Payload: json.RawMessage(tt.payload)}
		if got := subject(e); got != tt.want {
			t.Errorf("%s %s: subject %q, want %q", tt.typ, tt.payload, got, tt.want)
		}
	}
}

func TestPayloadLines(t *testing.T) {
	e := model.AuditEvent{Type: model.EventSshSessionStarted,
		Payload: json.RawMessage(`{"userId":"mem_1","userName":"Ana","userEmail":"a@x.test","fingerprint":"SHA256:abc","remoteAddress":"192.0.2.10"}`)}
	got := strings.Join(payloadLines(e), "\n")
	if !strings.Contains(got, `"remoteAddress": "192.0.2.10"`) || !strings.Contains(got, `"userName": "Ana"`) {
		t.Errorf("details payload:\n%s", got)
	}
	bad := model.AuditEvent{Type: model.EventApiKeyCreated, Payload: json.RawMessage("\x1b[2J")}
	if got := payloadLines(bad); len(got) != 1 || got[0] != `\x1b[2J` {
		t.Errorf("an unreadable payload shows as %q", got)
	}
}
