package model_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// Payloads as the backend wrote them before they were typed (map[string]any,
// keys sorted): every stored event must still read, and a payload written
// today must carry the same fields.
var legacyPayloads = map[model.EventType]struct {
	raw  string
	want model.Payload
}{
	model.EventApiKeyCreated: {
		`{"expiresAt":"2027-06-08T00:00:00Z","hint":"apk_aud_Ab3x…9fQz","keyId":"key_1","name":"SIEM","type":"audit-logs"}`,
		model.ApiKeyCreatedPayload{KeyRef: model.KeyRef{KeyID: "key_1", Name: "SIEM", Type: model.KeyAuditLogs}, Hint: "apk_aud_Ab3x…9fQz", ExpiresAt: time.Date(2027, 6, 8, 0, 0, 0, 0, time.UTC)},
	},
	model.EventApiKeyDeleted: {
		`{"expiresAt":"2027-06-08T00:00:00-04:00","hint":"apk_imp_Ab3x…9fQz","keyId":"key_1","name":"Nightly","type":"import"}`,
		model.ApiKeyDeletedPayload{KeyRef: model.KeyRef{KeyID: "key_1", Name: "Nightly", Type: model.KeyImport}, Hint: "apk_imp_Ab3x…9fQz", ExpiresAt: time.Date(2027, 6, 8, 0, 0, 0, 0, time.FixedZone("", -4*3600))},
	},
	model.EventApiKeyUpdated: {
		`{"changes":{"expiresAt":{"new":"2027-07-01T00:00:00Z","old":"2027-06-01T00:00:00Z"},"name":{"new":"b","old":"a"}},"keyId":"key_1","name":"b","type":"export"}`,
		model.ApiKeyUpdatedPayload{KeyRef: model.KeyRef{KeyID: "key_1", Name: "b", Type: model.KeyExport}, Changes: model.KeyChanges{
			Name:      &model.Change[string]{Old: "a", New: "b"},
			ExpiresAt: &model.Change[time.Time]{Old: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), New: time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)},
		}},
	},
	model.EventApiKeyRotated: {
		`{"graceEndsAt":"2027-03-11T15:00:00Z","keyId":"key_1","name":"n","newExpiresAt":"2027-06-08T00:00:00Z","newHint":"apk_mdm_x…y","newKeyId":"key_2","type":"modeling-metadata"}`,
		model.ApiKeyRotatedPayload{KeyRef: model.KeyRef{KeyID: "key_1", Name: "n", Type: model.KeyModelingMetadata}, NewKeyID: "key_2", NewHint: "apk_mdm_x…y",
			NewExpiresAt: time.Date(2027, 6, 8, 0, 0, 0, 0, time.UTC), GraceEndsAt: time.Date(2027, 3, 11, 15, 0, 0, 0, time.UTC)},
	},
	model.EventUserInvited: {
		`{"accountType":"builder","userEmail":"a@x.test","userId":"mem_1","userName":"Ana"}`,
		model.UserInvitedPayload{UserRef: model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "a@x.test"}, AccountType: model.Builder},
	},
	model.EventUserAccountTypeUpdated: {
		`{"newAccountType":"security-admin","previousAccountType":"member","userEmail":"a@x.test","userId":"mem_1","userName":"Ana"}`,
		model.UserAccountTypeUpdatedPayload{UserRef: model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "a@x.test"}, NewAccountType: model.SecurityAdmin, PreviousAccountType: model.RegularMember},
	},
	model.EventUserDeactivated: {
		`{"userEmail":"a@x.test","userId":"mem_1","userName":"Ana"}`,
		model.UserDeactivatedPayload{UserRef: model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "a@x.test"}},
	},
	model.EventUserReactivated: {
		`{"userEmail":"a@x.test","userId":"mem_1","userName":"Ana"}`,
		model.UserReactivatedPayload{UserRef: model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "a@x.test"}},
	},
	model.EventSshKeyAdded: {
		`{"fingerprint":"SHA256:abc","userEmail":"a@x.test","userId":"mem_1","userName":"Ana"}`,
		model.SshKeyAddedPayload{UserRef: model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "a@x.test"}, Fingerprint: "SHA256:abc"},
	},
	model.EventSshKeyRemoved: {
		`{"fingerprint":"SHA256:abc","userEmail":"a@x.test","userId":"mem_1","userName":"Ana"}`,
		model.SshKeyRemovedPayload{UserRef: model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "a@x.test"}, Fingerprint: "SHA256:abc"},
	},
	model.EventSshSessionStarted: {
		`{"fingerprint":"SHA256:abc","remoteAddress":"192.0.2.10","userEmail":"a@x.test","userId":"mem_1","userName":"Ana"}`,
		model.SshSessionStartedPayload{UserRef: model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "a@x.test"}, Fingerprint: "SHA256:abc", RemoteAddress: "192.0.2.10"},
	},
	model.EventWebhookCreated: {
		`{"webhookId":"whk_1","url":"https://hooks.example.com/services/…","events":["key.expiring"],"format":"slack"}`,
		model.WebhookPayload(model.EventWebhookCreated, model.WebhookRef{WebhookID: "whk_1", URL: "https://hooks.example.com/services/…", Events: []model.WebhookEvent{"key.expiring"}, Format: "slack"}),
	},
	model.EventWebhookDeleted: {
		`{"webhookId":"whk_1","url":"https://hooks.example.com/services/…","events":["key.expiring"],"format":"slack"}`,
		model.WebhookPayload(model.EventWebhookDeleted, model.WebhookRef{WebhookID: "whk_1", URL: "https://hooks.example.com/services/…", Events: []model.WebhookEvent{"key.expiring"}, Format: "slack"}),
	},
	model.EventWebhookEnabled: {
		`{"webhookId":"whk_1","url":"https://hooks.example.com/services/…","events":["key.expiring"],"format":"slack"}`,
		model.WebhookPayload(model.EventWebhookEnabled, model.WebhookRef{WebhookID: "whk_1", URL: "https://hooks.example.com/services/…", Events: []model.WebhookEvent{"key.expiring"}, Format: "slack"}),
	},
	model.EventWebhookDisabled: {
		`{"webhookId":"whk_1","url":"https://hooks.example.com/services/…","events":["key.expiring"],"format":"slack"}`,
		model.WebhookPayload(model.EventWebhookDisabled, model.WebhookRef{WebhookID: "whk_1", URL: "https://hooks.example.com/services/…", Events: []model.WebhookEvent{"key.expiring"}, Format: "slack"}),
	},
	model.EventIpAllowListCreated: {
		`{"listId":"ipl_1","name":"Office","description":"HQ","entries":["198.51.100.0/24"]}`,
		model.IpAllowListCreatedPayload{AllowListRef: model.AllowListRef{ListID: "ipl_1", Name: "Office"}, Description: "HQ", Entries: []string{"198.51.100.0/24"}},
	},
	model.EventIpAllowListUpdated: {
		`{"listId":"ipl_1","name":"Office","changes":{"entries":{"old":["198.51.100.0/24"],"new":["198.51.100.0/24","2001:db8::/48"]}}}`,
		model.IpAllowListUpdatedPayload{AllowListRef: model.AllowListRef{ListID: "ipl_1", Name: "Office"},
			Changes: model.AllowListChanges{Entries: &model.Change[[]string]{Old: []string{"198.51.100.0/24"}, New: []string{"198.51.100.0/24", "2001:db8::/48"}}}},
	},
	model.EventIpAllowListDeleted: {
		`{"listId":"ipl_1","name":"Office","entries":["198.51.100.0/24"],"keyIds":["key_1"],"wasDefault":true}`,
		model.IpAllowListDeletedPayload{AllowListRef: model.AllowListRef{ListID: "ipl_1", Name: "Office"}, Entries: []string{"198.51.100.0/24"}, KeyIDs: []string{"key_1"}, WasDefault: true},
	},
	model.EventApiKeyAllowListsChanged: {
		`{"keyId":"key_1","name":"Sync","type":"import","allowLists":{"old":[],"new":[{"listId":"ipl_1","name":"Office"}]}}`,
		model.ApiKeyAllowListsChangedPayload{KeyRef: model.KeyRef{KeyID: "key_1", Name: "Sync", Type: "import"},
			AllowLists: model.Change[[]model.AllowListRef]{Old: []model.AllowListRef{}, New: []model.AllowListRef{{ListID: "ipl_1", Name: "Office"}}}},
	},
	model.EventDefaultIpAllowListChanged: {
		`{"old":null,"new":{"listId":"ipl_1","name":"Office"}}`,
		model.DefaultIpAllowListChangedPayload{New: &model.AllowListRef{ListID: "ipl_1", Name: "Office"}},
	},
	model.EventApiKeyOwnerChanged: {
		`{"keyId":"key_1","name":"Sync","type":"import","previousOwner":{"userId":"mem_1","userName":"Ana","userEmail":"ana@example.com"},"newOwner":{"userId":"mem_2","userName":"Bo","userEmail":"bo@example.com"}}`,
		model.ApiKeyOwnerChangedPayload{KeyRef: model.KeyRef{KeyID: "key_1", Name: "Sync", Type: "import"},
			PreviousOwner: model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "ana@example.com"},
			NewOwner:      model.UserRef{UserID: "mem_2", UserName: "Bo", UserEmail: "bo@example.com"}},
	},
}

func TestPayloadsReadWhatWasWritten(t *testing.T) {
	for _, et := range model.EventTypes {
		c, ok := legacyPayloads[et]
		if !ok {
			t.Errorf("%s: no legacy payload in this test", et)
			continue
		}
		got, err := model.DecodePayload(et, json.RawMessage(c.raw))
		if err != nil {
			t.Errorf("%s: %v", et, err)
			continue
		}
		if got.EventType() != et {
			t.Errorf("%s decodes to a %T, whose type is %s", et, got, got.EventType())
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: decoded %#v\nwant %#v", et, got, c.want)
		}
		typ, raw, err := model.EncodePayload(got)
		if err != nil || typ != et {
			t.Errorf("%s: EncodePayload = %s, %v", et, typ, err)
		}
		if a, b := keysOf(t, raw), keysOf(t, []byte(c.raw)); !slices.Equal(a, b) {
			t.Errorf("%s: written with fields %v, used to be %v", et, a, b)
		}
	}
}

func keysOf(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestDecodePayloadRefuses(t *testing.T) {
	if _, err := model.DecodePayload("NoSuchEvent", json.RawMessage(`{}`)); err == nil {
		t.Error("an unknown event type decoded")
	}
	if _, err := model.DecodePayload(model.EventApiKeyCreated, json.RawMessage(`[1,2]`)); err == nil {
		t.Error("a payload that isn't an object decoded")
	}
	if _, err := model.DecodePayload(model.EventApiKeyCreated, json.RawMessage(`{"expiresAt":"soon"}`)); err == nil {
		t.Error("a payload with a bad time decoded")
	}
	p, err := model.DecodePayload(model.EventUserDeactivated, nil)
	if err != nil || p != (model.UserDeactivatedPayload{}) {
		t.Errorf("an empty payload: %#v, %v", p, err)
	}
	// Unknown fields (an older or newer writer) are ignored.
	p, err = model.DecodePayload(model.EventApiKeyRotated, json.RawMessage(`{"keyId":"key_2","name":"n","rotatedFrom":"key_1"}`))
	if err != nil || p.Subject() != "n" {
		t.Errorf("a payload with an unknown field: %#v, %v", p, err)
	}
}

func TestPayloadSubject(t *testing.T) {
	u := model.UserRef{UserID: "mem_1", UserName: "Ana", UserEmail: "a@x.test"}
	tests := []struct {
		p    model.Payload
		want string
	}{
		{model.ApiKeyCreatedPayload{KeyRef: model.KeyRef{Name: "SIEM"}}, "SIEM"},
		{model.ApiKeyRotatedPayload{KeyRef: model.KeyRef{Name: "SIEM"}, NewKeyID: "key_2"}, "SIEM"},
		{model.UserInvitedPayload{UserRef: u}, "Ana"},
		{model.UserDeactivatedPayload{UserRef: model.UserRef{UserEmail: "a@x.test"}}, "a@x.test"},
		{model.SshKeyAddedPayload{UserRef: u, Fingerprint: "SHA256:abc"}, "Ana"},
		{model.SshKeyRemovedPayload{Fingerprint: "SHA256:abc"}, "SHA256:abc"},
		{model.SshSessionStartedPayload{UserRef: u, Fingerprint: "SHA256:abc", RemoteAddress: "192.0.2.10"}, "Ana"},
		{model.SshSessionStartedPayload{Fingerprint: "SHA256:abc", RemoteAddress: "192.0.2.10"}, "SHA256:abc"},
		{model.SshSessionStartedPayload{RemoteAddress: "192.0.2.10"}, "192.0.2.10"},
	}
	for _, tt := range tests {
		if got := tt.p.Subject(); got != tt.want {
			t.Errorf("%#v: Subject = %q, want %q", tt.p, got, tt.want)
		}
	}
}
