package main

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
)

// An SSH public key given as one argument arrives over SSH as several: the SSH
// protocol carries a command as one string (RFC 4254 §6.5), so OpenSSH's client
// joins its arguments with spaces, and the quotes that kept
// --ssh-key "$(cat ana.pub)" together were used up by the local shell. The
// server splits the line as a shell would and gets
// --ssh-key ssh-ed25519 AAAAC3Nz… ana@laptop. No splitter can undo that, so
// the commands that take a key put it back together: a key type, then a word
// that is that type's base64 blob, then the comment words, are one key.

// joinKeyWords rejoins keys that were split into words. values are the
// --ssh-key values; rest are the command's positional arguments, which only
// the tails of split keys may fill. It returns the keys, and false if rest
// holds anything else.
func joinKeyWords(values, rest []string) ([]string, bool) {
	if len(rest) == 0 {
		return values, true
	}
	// Each blob in rest starts a key's tail: the blob and the comment words
	// up to the next blob.
	var tails [][]string
	for _, w := range rest {
		if _, ok := blobType(w); ok {
			tails = append(tails, []string{w})
			continue
		}
		if len(tails) == 0 {
			return nil, false
		}
		tails[len(tails)-1] = append(tails[len(tails)-1], w)
	}
	// pflag keeps the order of the values and of the positional arguments, not
	// how they interleave: the n-th bare key type takes the n-th tail.
	out := make([]string, 0, len(values))
	next := 0
	for _, v := range values {
		if next < len(tails) && !strings.ContainsAny(strings.TrimSpace(v), " \t") {
			if t, _ := blobType(tails[next][0]); t == strings.TrimSpace(v) {
				out = append(out, v+" "+strings.Join(tails[next], " "))
				next++
				continue
			}
		}
		out = append(out, v)
	}
	return out, next == len(tails)
}

// joinKeyArgs is joinKeyWords for `add-ssh-key MEMBER KEY`: args after the
// member are one key, if they are a key type and its blob and comment.
func joinKeyArgs(args []string) ([]string, bool) {
	if len(args) <= 2 {
		return args, true
	}
	keys, ok := joinKeyWords(args[1:2], args[2:])
	if !ok || len(keys) != 1 {
		return nil, false
	}
	return []string{args[0], keys[0]}, true
}

// blobType reads the key type a public key's base64 blob starts with (the
// wire format's first string, RFC 4253 §6.6).
func blobType(w string) (string, bool) {
	if len(w) < 16 || strings.HasPrefix(w, "-") {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(w)
	if err != nil || len(raw) < 4 {
		return "", false
	}
	n := binary.BigEndian.Uint32(raw)
	if n == 0 || n > 64 || int(n) > len(raw)-4 {
		return "", false
	}
	t := string(raw[4 : 4+n])
	if !strings.HasPrefix(t, "ssh-") && !strings.HasPrefix(t, "ecdsa-") && !strings.HasPrefix(t, "sk-") {
		return "", false
	}
	return t, true
}

// splitKeyHint is what to say when a key's words can't be put back together.
const splitKeyHint = `over SSH, quote an SSH key twice (--ssh-key "'$(cat ana.pub)'") or give it as key type, key and comment`
