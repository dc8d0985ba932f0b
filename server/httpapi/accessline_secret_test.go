package httpapi_test

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
	"github.com/apikeys-dev/apikeys/server/httpapi"
)

// forward is a writer whose destination is set after the server is built.
type forward struct{ w io.Writer }

func (f *forward) Write(p []byte) (int, error) { return f.w.Write(p) }

// TestAccessLineNeverHoldsASecret is TestAccessLogNeverHoldsASecret for the
// access line appended by hand, wired as `serve --log-format json` wires it
// (behind model.RedactWriter), with secrets also where only that writer
// catches them: as the method, in upper case in the path, from a client that
// names its own request id; and verify bodies the hand-written reader leaves
// to encoding/json (an escaped key) or reads in pieces (chunked).
func TestAccessLineNeverHoldsASecret(t *testing.T) {
	fw := &forward{}
	e := newEnv(t, httpapi.Config{AccessLogJSON: model.RedactWriter(fw)})
	fw.w = e.logs
	impKey, imp := e.createKey("Importer", model.KeyImport)
	_, audit := e.createKey("SIEM", model.KeyAuditLogs)
	unknown, _ := model.NewSecret(model.KeyAuditLogs)
	secrets := []string{audit, imp, unknown.Reveal()}
	escaped := `{"key":"\u0061` + imp[1:] + `","type":"import"}`

	requests := []func() response{
		func() response { return e.verify(verifyBody(imp, model.KeyImport)) },
		func() response { return e.verify(escaped) },
		func() response {
			return e.do(http.MethodPost, "/api/v1/keys/verify", io.MultiReader(strings.NewReader(verifyBody(imp, model.KeyImport))))
		},
		func() response { return e.verify(verifyBody(unknown.Reveal(), model.KeyImport)) },
		func() response { return e.verify(`{"key":"` + imp + `","type":"import","` + audit + `":1}`) },
		func() response { return e.events(audit, "key="+audit) },
		func() response { return e.do(imp, "/api/v1/keys/verify", nil) },
		func() response { return e.do(http.MethodGet, "/x/"+strings.ToUpper(audit), nil) },
		func() response { return e.do(http.MethodGet, "/healthz", nil, httpapi.RequestIDHeader+": "+imp) },
	}
	var statuses []int
	for _, req := range requests {
		statuses = append(statuses, req().status)
	}
	if want := []int{200, 200, 200, 200, 400, 400}; !equalInts(statuses[:len(want)], want) {
		t.Fatalf("statuses %v, want %v first", statuses, want)
	}

	log := e.logs.String()
	for _, s := range secrets {
		for _, v := range []string{s, s[8 : 8+32], strings.ToUpper(s[8 : 8+32]), strings.ToLower(s[8 : 8+32])} {
			if strings.Contains(log, v) {
				t.Fatalf("the log holds (part of) a secret, %q:\n%s", v, log)
			}
		}
	}
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Text())
		}
		if m["msg"] == "http request" {
			lines = append(lines, m)
		}
	}
	if len(lines) != len(requests) {
		t.Fatalf("%d access log lines for %d requests:\n%s", len(lines), len(requests), log)
	}
	for i := range 3 {
		if lines[i]["keyId"] != impKey.ID {
			t.Errorf("valid verify %d logged as %v, want keyId %s", i, lines[i], impKey.ID)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
