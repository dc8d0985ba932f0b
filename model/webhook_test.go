package model_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/model"
)

// The test vector published with the Standard Webhooks reference libraries.
func TestSignWebhookStandardVector(t *testing.T) {
	key, err := model.DecodeWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := model.SignWebhook(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

func TestNewWebhookSecret(t *testing.T) {
	s, err := model.NewWebhookSecret()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "whsec_") {
		t.Fatalf("secret %q lacks whsec_", s)
	}
	key, err := model.DecodeWebhookSecret(s)
	if err != nil || len(key) != 32 {
		t.Fatalf("decoded %d bytes, %v; want 32", len(key), err)
	}
	// An independent HMAC over the same bytes agrees.
	at := time.Unix(1700000000, 0)
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("msg_1.1700000000.{}"))
	if got, want := model.SignWebhook(key, "msg_1", at, []byte("{}")), "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)); got != want {
		t.Errorf("signature %s, independent %s", got, want)
	}
	if h, want := model.WebhookSecretHint(s), s[:10]+"…"; h != want {
		t.Errorf("hint %q, want %q", h, want)
	}
}

func TestDecodeWebhookSecretRefuses(t *testing.T) {
	for _, s := range []string{"", "whsec_", "MfKQ9r8G", "whsec_!!!", "apk_aud_x"} {
		if _, err := model.DecodeWebhookSecret(s); err == nil {
			t.Errorf("DecodeWebhookSecret(%q) accepted", s)
		}
	}
}

func TestValidateWebhookURL(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"https://hooks.example.com/apikeys", true},
		{"http://127.0.0.1:8080/x?y=1", true},
		{"  https://example.com  ", true},
		{"", false},
		{"ftp://example.com", false},
		{"example.com/hook", false},
		{"https://", false},
		{"https://user:pass@example.com/", false},
		{"https://example.com/\x1b[2J", false},
		{"https://example.com/a b", false},
		{"https://example.com/" + strings.Repeat("a", model.MaxWebhookURL), false},
	}
	for _, tt := range tests {
		_, err := model.ValidateWebhookURL(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("ValidateWebhookURL(%q) = %v, want ok=%v", tt.in, err, tt.ok)
		}
	}
}

func TestParseWebhookEvent(t *testing.T) {
	for _, e := range model.WebhookEvents {
		if got, err := model.ParseWebhookEvent(strings.ToUpper(string(e))); err != nil || got != e {
			t.Errorf("ParseWebhookEvent(%s) = %v, %v", e, got, err)
		}
	}
	for _, s := range []string{"", "ping", "key.*", "ApiKeyCreated"} {
		if _, err := model.ParseWebhookEvent(s); err == nil {
			t.Errorf("ParseWebhookEvent(%q) accepted", s)
		}
	}
}

func TestWebhookRetrySchedule(t *testing.T) {
	want := []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour}
	for i, w := range want {
		if got, ok := model.NextWebhookRetry(i + 1); !ok || got != w {
			t.Errorf("retry after attempt %d = %v %v, want %v", i+1, got, ok, w)
		}
	}
	if _, ok := model.NextWebhookRetry(len(want) + 1); ok {
		t.Error("a retry after the last one")
	}
}

func TestWebhookBodySlack(t *testing.T) {
	days := 7
	at := time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC)
	m := model.WebhookMessage{Type: model.HookKeyExpiring, Timestamp: at, Data: model.HookKeyData{
		KeyID: "key_1", Name: "Nightly <import> & \x1b[31m", Type: model.KeyImport, ExpiresAt: &at,
		ValidThrough: "2027-06-29", Owner: &model.HookPerson{Name: "Olive Owner"}, DaysLeft: &days,
	}}
	body, err := model.WebhookBody(model.FormatSlack, m)
	if err != nil {
		t.Fatal(err)
	}
	var got struct{ Text string }
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	want := `API key “Nightly &lt;import&gt; &amp; \x1b[31m” (Import, owned by Olive Owner) expires in 7 days: it is valid through 29 Jun 2027. Rotate it before then.`
	if got.Text != want {
		t.Errorf("slack text\n got %s\nwant %s", got.Text, want)
	}
	std, _ := model.WebhookBody(model.FormatStandard, m)
	if !strings.HasPrefix(string(std), `{"type":"key.expiring","timestamp":"2027-06-30T00:00:00Z","data":{"keyId":"key_1"`) ||
		!strings.Contains(string(std), `"daysLeft":7`) {
		t.Errorf("standard body %s", std)
	}
}
