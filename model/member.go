package model

import (
	"net/mail"
	"strings"

	"golang.org/x/crypto/ssh"
)

// NormalizeEmail trims and lower-cases an email address and checks its form.
// Emails are unique case-insensitively, so the store keeps this form.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", Invalid("email", "Email is required.")
	}
	if !safe(s) {
		return "", Invalid("email", "Email can't contain control or bidirectional characters.")
	}
	if ContainsSecret(s) {
		return "", Invalid("email", "Email can't contain an API key secret (text like apk_imp_…).")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") || len(s) > 254 {
		return "", Invalid("email", "%s is not an email address.", Quote(s))
	}
	return strings.ToLower(s), nil
}

// ValidateMemberName trims a member's name and checks it with the key-name rules.
func ValidateMemberName(s string) (string, error) { return ValidateName(s) }

// ParseSSHKey reads one authorized_keys line ("ssh-ed25519 AAAA… comment") and
// returns it normalised with its SHA256 fingerprint.
func ParseSSHKey(line string) (SSHKey, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return SSHKey{}, Invalid("sshKey", "SSH public key is empty.")
	}
	if strings.ContainsAny(line, "\r\n") {
		return SSHKey{}, Invalid("sshKey", "Give one SSH public key at a time, on one line.")
	}
	pk, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return SSHKey{}, Invalid("sshKey", "Not an SSH public key: paste one line such as \"ssh-ed25519 AAAA… you@host\".")
	}
	return SSHKey{
		Fingerprint: ssh.FingerprintSHA256(pk),
		PublicKey:   strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pk))),
		Comment:     Redact(Sanitize(comment)), // a pasted secret would be stored and listed
	}, nil
}
