package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/apikeys-dev/apikeys/client"
	"github.com/apikeys-dev/apikeys/contract"
	"github.com/apikeys-dev/apikeys/model"
)

func newMembersCmd(a *app) *cobra.Command {
	return newGroupCmd("members", "List and manage the workspace's members",
		newMembersListCmd(a), newMembersAddCmd(a), newMembersSetTypeCmd(a),
		newMemberStatusCmd(a, "deactivate"), newMemberStatusCmd(a, "reactivate"),
		newMembersAddSSHKeyCmd(a), newMembersRemoveSSHKeyCmd(a))
}

const accountTypesHelp = "primary-owner, security-admin, workspace-admin, builder or member"

func newMembersListCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List members with their account type, status and SSH keys",
		Args:  exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			ms, err := c.ListMembers(cmd.Context())
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.MembersOf(ms))
			}
			t := newTable(a.env.stdout, "NAME", "EMAIL", "ACCOUNT TYPE", "STATUS", "SSH KEYS", "ID")
			for _, m := range ms {
				t.row(m.Name, m.Email, m.AccountType.Label(), string(m.Status), fmt.Sprint(len(m.SSHKeys)), m.ID)
			}
			return t.flush()
		},
	}
}

func newMembersAddCmd(a *app) *cobra.Command {
	var name, email, typ string
	var sshKeys []string
	c := &cobra.Command{
		Use:   "add --name NAME --email EMAIL --type TYPE [--ssh-key KEY]...",
		Short: "Add a member, optionally with SSH public keys to sign in over SSH",
		Example: "  apikeys members add --name \"Ana Lopez\" --email ana@example.com --type workspace-admin \\\n" +
			"      --ssh-key \"$(cat ana_ed25519.pub)\"",
		// Positional arguments are the words of an --ssh-key that lost its
		// quotes on the way over SSH (see joinKeyWords), and nothing else.
		Args: func(cmd *cobra.Command, args []string) error {
			if _, ok := joinKeyWords(sshKeys, args); !ok {
				return usagef("unexpected argument %q: %s; %s", args[0], cmd.UseLine(), splitKeyHint)
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := requireFlags(cmd, "name", "email", "type"); err != nil {
				return err
			}
			sshKeys, _ := joinKeyWords(sshKeys, args)
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			at, err := model.ParseAccountType(typ)
			if err != nil {
				return err
			}
			m, err := c.AddMember(cmd.Context(), client.AddMemberRequest{Name: name, Email: email, AccountType: at, SSHKeys: sshKeys})
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.MemberOf(m))
			}
			keys := ""
			switch n := len(m.SSHKeys); n {
			case 0:
			case 1:
				keys = ", with 1 SSH key"
			default:
				keys = fmt.Sprintf(", with %d SSH keys", n)
			}
			fmt.Fprintf(a.env.stdout, "Added %s as a %s%s (%s).\n", who(m), m.AccountType.Label(), keys, m.ID)
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&name, "name", "", "the member's `NAME`")
	f.StringVar(&email, "email", "", "the member's `EMAIL` address, unique in the workspace")
	f.StringVar(&typ, "type", "", "account `TYPE`: "+accountTypesHelp)
	f.StringArrayVar(&sshKeys, "ssh-key", nil, "an SSH public `KEY` (one authorized_keys line); repeat for more")
	return c
}

func newMembersSetTypeCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "set-type MEMBER TYPE",
		Short:   "Change a member's account type",
		Long:    "Change a member's account type. MEMBER is an email or id; TYPE is " + accountTypesHelp + ".",
		Example: "  apikeys members set-type ana@example.com security-admin",
		Args:    exactArgs("MEMBER", "TYPE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			at, err := model.ParseAccountType(args[1])
			if err != nil {
				return err
			}
			m, err := c.SetAccountType(cmd.Context(), args[0], at, 0)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.MemberOf(m))
			}
			fmt.Fprintf(a.env.stdout, "%s is now a %s.\n", who(m), m.AccountType.Label())
			return nil
		},
	}
}

// newMemberStatusCmd builds deactivate and reactivate, which differ only in words.
func newMemberStatusCmd(a *app, verb string) *cobra.Command {
	short, done := "Let a deactivated member sign in again", "they can sign in again"
	if verb == "deactivate" {
		short, done = "Stop a member from signing in and end their open sessions", "they can no longer sign in, and their open sessions end"
	}
	var transferTo string
	c := &cobra.Command{
		Use:     verb + " MEMBER",
		Short:   short,
		Example: "  apikeys members " + verb + " ana@example.com",
		Args:    exactArgs("MEMBER"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if verb == "deactivate" {
				// The keys they own are listed, or transferred (SPEC §12).
				return a.deactivateWithKeys(cmd.Context(), args[0], transferTo)
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			change := c.Reactivate
			if verb == "deactivate" {
				change = c.Deactivate
			}
			m, err := change(cmd.Context(), args[0], 0)
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.MemberOf(m))
			}
			fmt.Fprintf(a.env.stdout, "%sd %s: %s.\n", strings.ToUpper(verb[:1])+verb[1:], who(m), done)
			return nil
		},
	}
	if verb == "deactivate" {
		c.Example += "\n  apikeys members deactivate ana@example.com --transfer-keys-to bo@example.com"
		c.Flags().StringVar(&transferTo, "transfer-keys-to", "", "make `MEMBER` (email or id) the owner of their live keys, in the same change")
	}
	return c
}

func newMembersAddSSHKeyCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "add-ssh-key MEMBER KEY",
		Short: "Let a member sign in over SSH with a public key",
		Long: `Let a member sign in over SSH with a public key. KEY is one authorized_keys
line, or - to read keys from standard input, one per line.`,
		Example: "  apikeys members add-ssh-key ana@example.com \"ssh-ed25519 AAAAC3Nz… ana@laptop\"\n" +
			"  apikeys members add-ssh-key ana@example.com - < ana_ed25519.pub",
		Args: func(cmd *cobra.Command, args []string) error {
			if _, ok := joinKeyArgs(args); ok && len(args) > 2 {
				return nil // a key split into words over SSH (see joinKeyWords)
			}
			if len(args) > 2 {
				return usagef("unexpected argument %q: %s; %s", args[2], cmd.UseLine(), splitKeyHint)
			}
			return exactArgs("MEMBER", "KEY")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			args, _ = joinKeyArgs(args)
			lines := []string{args[1]}
			if args[1] == "-" {
				var err error
				if lines, err = readKeyLines(a.env.stdin); err != nil {
					return err
				}
			}
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			var m model.Member
			for _, l := range lines {
				if m, err = c.AddSSHKey(cmd.Context(), args[0], l); err != nil {
					return err
				}
				if !a.flags.json {
					fp := "an SSH key"
					if k, err := model.ParseSSHKey(l); err == nil {
						fp = "SSH key " + k.Fingerprint
					}
					fmt.Fprintf(a.env.stdout, "Added %s to %s.\n", fp, who(m))
				}
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.MemberOf(m))
			}
			return nil
		},
	}
}

// readKeyLines reads authorized_keys lines, skipping blanks and comments.
func readKeyLines(r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(io.LimitReader(r, 1<<20))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read SSH keys from standard input: %w", err)
	}
	if len(lines) == 0 {
		return nil, model.Invalid("sshKey", "No SSH public key on standard input.")
	}
	return lines, nil
}

func newMembersRemoveSSHKeyCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "remove-ssh-key MEMBER FINGERPRINT",
		Short: "Remove one of a member's SSH keys, ending sessions opened with it",
		Long: `Remove one of a member's SSH keys. FINGERPRINT is the key's SHA256 fingerprint,
as 'apikeys members list --json' or 'ssh-keygen -lf KEY.pub' show it.`,
		Example: "  apikeys members remove-ssh-key ana@example.com SHA256:8Zq3…",
		Args:    exactArgs("MEMBER", "FINGERPRINT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := a.client(cmd.Context())
			if err != nil {
				return err
			}
			m, err := c.RemoveSSHKey(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			if a.flags.json {
				return writeJSON(a.env.stdout, contract.MemberOf(m))
			}
			fmt.Fprintf(a.env.stdout, "Removed SSH key %s from %s.\n", model.Sanitize(args[1]), who(m))
			return nil
		},
	}
}

// who names a member for a sentence: "Ana Lopez (ana@example.com)".
func who(m model.Member) string {
	return fmt.Sprintf("%s (%s)", model.Sanitize(m.Name), model.Sanitize(m.Email))
}
