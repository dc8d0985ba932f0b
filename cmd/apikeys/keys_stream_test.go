package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-dev/apikeys/backend"
	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

// The CLI's session, local or over SSH, walks: `keys list --json` streams there.
var _ keyWalker = (*backend.Session)(nil)

// sliceWalker passes a fixed list, as the backend's EachKey would.
type sliceWalker struct {
	keys []model.Key
	err  error // returned after the keys, if set
}

func (w sliceWalker) EachKey(_ context.Context, _ client.KeyFilter, fn func(*model.Key) error) error {
	for i := range w.keys {
		k := w.keys[i]
		if err := fn(&k); err != nil {
			return err
		}
	}
	return w.err
}

// The streamed list is the held list's JSON byte for byte: the shape scripts
// rely on (contract, openapi.json) does not depend on how it was written.
func TestWriteKeysJSONMatchesWriteJSON(t *testing.T) {
	now := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	p := model.ExpiryPolicy{}
	used := now.Add(-time.Hour)
	base := model.Key{ID: "key_1", Name: "Nightly import", Type: model.KeyImport, Hint: "apk_imp_Ab3x…9fQz",
		CreatedAt: now.Add(-48 * time.Hour), CreatedBy: "mem_1", CreatedByName: "Ada",
		ExpiresAt: now.Add(30 * 24 * time.Hour), UpdatedAt: now.Add(-48 * time.Hour), Version: 1}
	odd := base
	// HTML characters stay as they are; a bidi override and DEL become \u escapes.
	odd.ID, odd.Name, odd.CreatedByName = "key_2", "a <b> & \"c\" \u202eevil\u007f 日本", "Zoë"
	odd.LastUsedAt, odd.LastUsedAddr, odd.ReplacedBy = &used, "192.0.2.1:443", "key_1"
	expired := base
	expired.ID, expired.ExpiresAt = "key_3", now.Add(-time.Hour)
	for _, keys := range [][]model.Key{nil, {base}, {odd, base, expired}} {
		var want, got bytes.Buffer
		if err := writeJSON(&want, contract.KeysOf(keys, p, now)); err != nil {
			t.Fatal(err)
		}
		if err := writeKeysJSON(t.Context(), &got, sliceWalker{keys: keys}, client.KeyFilter{}, p, now, nil); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("%d keys: streamed\n%s\nwant\n%s", len(keys), got.String(), want.String())
		}
	}
	if !strings.Contains(func() string {
		var b bytes.Buffer
		_ = writeKeysJSON(t.Context(), &b, sliceWalker{keys: []model.Key{odd}}, client.KeyFilter{}, p, now, nil)
		return b.String()
	}(), `\u202e`) {
		t.Error("a bidi override reached the output raw")
	}
}

// A store error midway fails the command; what was written stays cut short.
func TestWriteKeysJSONFailsOnStoreError(t *testing.T) {
	boom := errors.New("disk I/O error")
	var out bytes.Buffer
	k := model.Key{ID: "key_1", Name: "n", Type: model.KeyImport}
	err := writeKeysJSON(t.Context(), &out, sliceWalker{keys: []model.Key{k}, err: boom}, client.KeyFilter{}, model.ExpiryPolicy{}, time.Now(), nil)
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want the store's", err)
	}
	if strings.HasSuffix(out.String(), "]\n") {
		t.Fatalf("a failed walk printed a complete list:\n%s", out.String())
	}
}
