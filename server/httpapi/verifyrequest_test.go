package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/internal/testkit"
)

const someSecret = "apk_imp_0123456789abcdefghijABCDEFGHIJxyzw"

func ptr(s string) *string { return &s }

// The bodies every client sends are read by hand, to what encoding/json reads.
func TestVerifyFastPath(t *testing.T) {
	for _, c := range []struct {
		body string
		want contract.VerifyRequest
	}{
		{`{"key":"` + someSecret + `","type":"import"}`, contract.VerifyRequest{Key: ptr(someSecret), Type: ptr("import")}},
		{" \t\r\n{ \"type\" : \"audit-logs\" ,\n\"key\":\"\", \"address\":\"203.0.113.9\" }\n", contract.VerifyRequest{Key: ptr(""), Type: ptr("audit-logs"), Address: ptr("203.0.113.9")}},
		{`{"key":"x y~!"}`, contract.VerifyRequest{Key: ptr("x y~!")}},
		{`{"type":"imports"}`, contract.VerifyRequest{Type: ptr("imports")}},
		{`{}`, contract.VerifyRequest{}},
		{` { } `, contract.VerifyRequest{}},
	} {
		got, ok := parseVerifyFast([]byte(c.body))
		if !ok {
			t.Errorf("%q: not taken by the fast path", c.body)
			continue
		}
		want, err := decodeVerifyJSON([]byte(c.body))
		if err != nil || !sameRequest(want, c.want) {
			t.Fatalf("%q: the case is wrong: encoding/json reads %v, %v", c.body, show(want), err)
		}
		if !sameRequest(got, c.want) {
			t.Errorf("%q: fast path read %v, want %v", c.body, show(got), show(c.want))
		}
	}
}

// Anything else is left to encoding/json: its meaning (names in another case,
// escapes, null) or its error (everything else).
func TestVerifyFastPathLeavesTheRestToJSON(t *testing.T) {
	for _, body := range []string{
		``, ` `, `{`, `}`, `[]`, `null`, `"key"`, `{"key":"a"`, `{"key":"a",}`, `{,"key":"a"}`, `{"key" "a"}`,
		`{"KEY":"a"}`, `{"Key":"a","type":"import"}`, `{"key":"a\u0062"}`, `{"key":"a\"b"}`, `{"ke\u0079":"a"}`,
		`{"key":null}`, `{"key":42}`, `{"key":"a","key":"b"}`, `{"type":"a","type":"b"}`, `{"address":"a","address":"b"}`,
		`{"key":"a"}{}`, `{"key":"a"} x`, `{"key":"a","scope":"all"}`, "{\"key\":\"caf\xc3\xa9\"}", "{\"key\":\"\xff\"}",
		"{\"key\":\"a\x00b\"}", "{\"key\":\"a\x7fb\"}", "\v{\"key\":\"a\"}", `{"key":"a"}` + "\f",
	} {
		if got, ok := parseVerifyFast([]byte(body)); ok {
			t.Errorf("%q: taken by the fast path as %v", body, show(got))
		}
	}
}

// Whatever the body, the fast path reads nothing encoding/json reads otherwise
// or refuses.
func FuzzVerifyFastMatchesJSON(f *testing.F) {
	for _, s := range []string{`{"key":"` + someSecret + `","type":"import"}`, `{"key":"a","type":"b","address":"c"}`, `{}`,
		`{"KEY":"a"}`, `{"key":"a"}{}`, `{"key":"\u00e9"}`, ` {"type" : "import" , "key" : "k" } `} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		got, ok := parseVerifyFast([]byte(body))
		if !ok {
			return
		}
		want, err := decodeVerifyJSON([]byte(body))
		if err != nil {
			t.Fatalf("%q: fast path read %v, encoding/json refuses it: %v", body, show(got), err)
		}
		if !sameRequest(got, want) {
			t.Fatalf("%q: fast path read %v, encoding/json %v", body, show(got), show(want))
		}
	})
}

// A body larger than the limit is refused whether its size is announced or
// only found while reading; a body cut short is an error, not a request.
func TestReadVerifyRequestBodies(t *testing.T) {
	s := &Server{maxBody: 64}
	big := `{"key":"` + strings.Repeat("x", 100) + `"}`
	for _, c := range []struct {
		name   string
		body   io.Reader
		length int64
		check  func(error) bool
	}{
		{"announced, too large", strings.NewReader(big), int64(len(big)), tooBig},
		{"chunked, too large", strings.NewReader(big), -1, tooBig},
		{"empty", strings.NewReader(""), 0, func(err error) bool { return errors.Is(err, io.EOF) }},
		{"chunked, fits", strings.NewReader(`{"key":"a","type":"import"}`), -1, func(err error) bool { return err == nil }},
		{"trailing data", strings.NewReader(`{"key":"a"} {}`), 14, func(err error) bool { return errors.Is(err, errTrailing) }},
		{"cut short", io.MultiReader(strings.NewReader(`{"key":"a"`), errReader{io.ErrUnexpectedEOF}), 40,
			func(err error) bool { return errors.Is(err, io.ErrUnexpectedEOF) }},
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/keys/verify", c.body)
		r.ContentLength = c.length
		if _, err := s.readVerifyRequest(httptest.NewRecorder(), r); !c.check(err) {
			t.Errorf("%s: err %v", c.name, err)
		}
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// BenchmarkDecodeVerifyRequest is one usual verify body read by hand and by
// encoding/json (as handleVerify did before).
func BenchmarkDecodeVerifyRequest(b *testing.B) {
	body := []byte(`{"key":"` + someSecret + `","type":"import"}`)
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			if _, ok := parseVerifyFast(body); !ok {
				b.Fatal("not taken")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			var req contract.VerifyRequest
			if err := dec.Decode(&req); err != nil {
				b.Fatal(err)
			}
			if _, err := dec.Token(); err != io.EOF {
				b.Fatal(err)
			}
		}
	})
}

// reportCPU, deferred as defer reportCPU(b)(), reports the process's CPU
// time per op: on a shared machine it moves far less than ns/op.
func reportCPU(b *testing.B) func() {
	cpu0 := testkit.CPUTime()
	return func() { b.ReportMetric(float64(testkit.CPUTime()-cpu0)/float64(b.N), "cpu-ns/op") }
}

func sameRequest(a, b contract.VerifyRequest) bool {
	eq := func(x, y *string) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eq(a.Key, b.Key) && eq(a.Type, b.Type) && eq(a.Address, b.Address)
}

func show(r contract.VerifyRequest) string {
	s := func(p *string) string {
		if p == nil {
			return "nil"
		}
		return `"` + *p + `"`
	}
	return "{key " + s(r.Key) + ", type " + s(r.Type) + ", address " + s(r.Address) + "}"
}

// A body that stops coming (a Content-Length larger than what is sent, a
// client slower than ReadTimeout, a connection dropped) is answered with what
// happened, not blamed on its JSON: seen through a real serve, a lying
// Content-Length got "not the JSON this endpoint takes" after 15 s.
func TestVerifyBodyCutShort(t *testing.T) {
	s := &Server{maxBody: 64}
	for _, cut := range []error{os.ErrDeadlineExceeded, io.ErrUnexpectedEOF} {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/keys/verify",
			io.MultiReader(strings.NewReader(`{"key":"a","type":"imp`), errReader{cut}))
		r.ContentLength = 40
		w := httptest.NewRecorder()
		s.handleVerify(w, r)
		if body := w.Body.String(); w.Code != http.StatusBadRequest || !strings.Contains(body, "cut short") || strings.Contains(body, "not the JSON") {
			t.Errorf("%v: %d %s", cut, w.Code, body)
		}
	}
}
