package fake

import (
	"fmt"
	"hash/crc32"
	"strings"
	"sync"

	"github.com/apikeys-dev/apikeys/model"
)

// generator makes the backend's new ids and secrets predictable: the sample
// names its rows (key_billing, mem_ana) and pins their secrets; everything a
// test creates gets key_new000000001, …, and Secret(type, 1), Secret(type, 2), …
// in the order made, skipping a secret some key already holds.
type generator struct {
	mu      sync.Mutex
	next    []pinned
	seq     int
	secrets int
	issued  map[string]bool
}

// pinned is what the next row made gets: its id and, for a key, its secret's
// number (0: the next in sequence).
type pinned struct {
	id     string
	secret int
}

func newGenerator() *generator { return &generator{issued: map[string]bool{}} }

// pin makes the next row whose id has the prefix of id get id, and, if secret
// is not 0, Secret(type, secret).
func (g *generator) pin(id string, secret int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.next = append(g.next, pinned{id, secret})
}

func (g *generator) newID(prefix string) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.next) > 0 && strings.HasPrefix(g.next[0].id, prefix+"_") {
		id := g.next[0].id
		if g.next[0].secret == 0 {
			g.next = g.next[1:]
		}
		return id
	}
	g.seq++
	return fmt.Sprintf("%s_new%09d", prefix, g.seq)
}

// newSecret runs before newID for a key, so a pinned key's secret is taken here
// and its id is left for newID.
func (g *generator) newSecret(t model.KeyType) (model.Secret, error) {
	if !t.Valid() {
		return model.NewSecret(t) // the backend's own refusal
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.next) > 0 && g.next[0].secret != 0 {
		s := Secret(t, g.next[0].secret)
		g.next[0].secret = 0
		g.issued[s.Reveal()] = true
		return s, nil
	}
	for {
		g.secrets++
		if s := Secret(t, g.secrets); !g.issued[s.Reveal()] {
			g.issued[s.Reveal()] = true
			return s, nil
		}
	}
}

// Secret is a well-formed secret for t whose body is a function of n, so frames
// are stable.
func Secret(t model.KeyType, n int) model.Secret {
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	body := []byte("Fake0Secret0For0Tests0Only000000")
	for i, x := 0, n; i < 6; i, x = i+1, x/62 {
		body[len(body)-1-i] = base62[x%62]
	}
	head := "apk_" + t.Prefix() + "_" + string(body)
	sum := uint64(crc32.ChecksumIEEE([]byte(head)))
	var crc [6]byte
	for i := 5; i >= 0; i-- {
		crc[i] = base62[sum%62]
		sum /= 62
	}
	s, _, err := model.ParseSecret(head + string(crc[:]))
	if err != nil {
		panic(err)
	}
	return s
}
