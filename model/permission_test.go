package model_test

import (
	"slices"
	"testing"

	"github.com/apikeys-dev/apikeys/model"
)

// The account types as the product names them, written out rather than taken from
// model.AccountTypes so that a renamed or dropped type fails here.
var specAccountTypes = []model.AccountType{"primary-owner", "security-admin", "workspace-admin", "builder", "member"}

// The key types as the product names them, written out too.
var specKeyTypes = []model.KeyType{"audit-logs", "import", "export", "modeling-metadata"}

// specPermissions is the permission table copied by hand, one row per permission;
// Y and N are yes and no. Key-management rows name their key type; the
// other rows apply whatever the key type. Nothing here is read from the model.
const Y, N = true, false

type specRow struct {
	row    string
	act    model.Action
	kt     model.KeyType // "" for rows that are not per key type
	po, sa bool          // primary-owner, security-admin
	wa, bm bool          // workspace-admin, builder and member
}

var specPermissions = []specRow{
	{"open the API Keys page, see every key's metadata", "view-keys", "", Y, Y, Y, N},
	{"create, edit, delete, rotate audit-logs keys", "manage-keys", "audit-logs", Y, Y, N, N},
	{"create, edit, delete, rotate import keys", "manage-keys", "import", Y, N, Y, N},
	{"create, edit, delete, rotate export keys", "manage-keys", "export", Y, N, Y, N},
	{"create, edit, delete, rotate modeling-metadata keys", "manage-keys", "modeling-metadata", Y, N, Y, N},
	{"see members", "view-members", "", Y, Y, Y, N},
	{"add members, change account type, deactivate, add/remove SSH keys", "manage-members", "", Y, N, Y, N},
	{"read the audit log", "read-audit", "", Y, Y, N, N},
	{"manage webhooks and read their deliveries", "manage-webhooks", "", Y, Y, N, N},
	{"create, edit, delete IP allow lists; set the default list", "manage-allow-lists", "", Y, Y, Y, N},
	{"see key usage, the hygiene view and the credential report", "view-usage", "", Y, Y, Y, N},
}

func specAllows(po, sa, wa, bm bool, a model.AccountType) bool {
	switch a {
	case "primary-owner":
		return po
	case "security-admin":
		return sa
	case "workspace-admin":
		return wa
	}
	return bm // builder, member
}

// TestCanMatchesSpecTable walks every cell: account type × action × key type.
func TestCanMatchesSpecTable(t *testing.T) {
	cells := 0
	for _, row := range specPermissions {
		// A row without a key type holds whatever key type is passed, including none.
		kts := []model.KeyType{row.kt}
		if row.kt == "" {
			kts = append([]model.KeyType{""}, specKeyTypes...)
		}
		for _, a := range specAccountTypes {
			want := specAllows(row.po, row.sa, row.wa, row.bm, a)
			for _, kt := range kts {
				cells++
				if got := model.Can(a, row.act, kt); got != want {
					t.Errorf("%s: Can(%s, %s, %q) = %v, spec says %v", row.row, a, row.act, kt, got, want)
				}
				err := model.Require(a, row.act, kt)
				if (err == nil) != want {
					t.Errorf("%s: Require(%s, %s, %q) = %v, spec says allowed=%v", row.row, a, row.act, kt, err, want)
				}
				if err != nil && model.KindOf(err) != model.KindForbidden {
					t.Errorf("Require(%s, %s, %q) kind = %v, want forbidden", a, row.act, kt, model.KindOf(err))
				}
			}
		}
	}
	if want := 7*len(specAccountTypes)*(1+len(specKeyTypes)) + 4*len(specAccountTypes); cells != want {
		t.Fatalf("walked %d cells, want %d", cells, want)
	}
}

// TestSpecTableCoversModel fails when the model grows an action or key type that
// the hand-written table above does not list (and so nobody checked by hand).
func TestSpecTableCoversModel(t *testing.T) {
	for _, act := range model.Actions {
		if !slices.ContainsFunc(specPermissions, func(r specRow) bool { return r.act == act }) {
			t.Errorf("model action %q has no row in the spec table", act)
		}
	}
	if !slices.Equal(model.KeyTypes, specKeyTypes) {
		t.Errorf("model.KeyTypes = %v, spec lists %v", model.KeyTypes, specKeyTypes)
	}
	if !slices.Equal(model.AccountTypes, specAccountTypes) {
		t.Errorf("model.AccountTypes = %v, spec lists %v", model.AccountTypes, specAccountTypes)
	}
}

func TestCanRefusesUnknowns(t *testing.T) {
	for _, a := range specAccountTypes {
		for _, kt := range []model.KeyType{"", "bogus", "Audit logs"} {
			if model.Can(a, model.ActManageKeys, kt) {
				t.Errorf("Can(%s, manage-keys, %q) = true for a key type that does not exist", a, kt)
			}
		}
		if model.Can(a, "launch-rockets", "") {
			t.Errorf("Can(%s) = true for an unknown action", a)
		}
	}
	for _, row := range specPermissions {
		if model.Can("", row.act, row.kt) || model.Can("root", row.act, row.kt) {
			t.Errorf("Can granted %s to an unknown account type", row.act)
		}
	}
}

func TestRequireMessages(t *testing.T) {
	tests := []struct {
		a    model.AccountType
		act  model.Action
		kt   model.KeyType
		want string
	}{
		{"workspace-admin", "manage-keys", "audit-logs", "You need to be a Security Admin to manage Audit logs API keys."},
		{"builder", "view-keys", "", "You need to be a Workspace Admin or Security Admin to manage API keys."},
		{"member", "view-keys", "", "You need to be a Workspace Admin or Security Admin to manage API keys."},
		{"security-admin", "manage-keys", "import", "You need to be a Workspace Admin to manage Import API keys."},
		{"security-admin", "manage-keys", "export", "You need to be a Workspace Admin to manage Export API keys."},
		{"security-admin", "manage-keys", "modeling-metadata", "You need to be a Workspace Admin to manage Modeling metadata API keys."},
		{"builder", "manage-keys", "audit-logs", "You need to be a Security Admin to manage Audit logs API keys."},
		{"builder", "view-members", "", "You need to be a Workspace Admin or Security Admin to see members."},
		{"security-admin", "manage-members", "", "You need to be a Workspace Admin to manage members."},
		{"workspace-admin", "read-audit", "", "You need to be a Security Admin to read the audit log."},
	}
	for _, tt := range tests {
		err := model.Require(tt.a, tt.act, tt.kt)
		if err == nil {
			t.Errorf("Require(%s, %s, %q) = nil, want a refusal", tt.a, tt.act, tt.kt)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("Require(%s, %s, %q) = %q, want %q", tt.a, tt.act, tt.kt, err, tt.want)
		}
	}
}

func TestManageableKeyTypes(t *testing.T) {
	tests := []struct {
		a    model.AccountType
		want []model.KeyType
	}{
		{"primary-owner", []model.KeyType{"audit-logs", "import", "export", "modeling-metadata"}},
		{"security-admin", []model.KeyType{"audit-logs"}},
		{"workspace-admin", []model.KeyType{"import", "export", "modeling-metadata"}},
		{"builder", nil},
		{"member", nil},
		{"nobody", nil},
	}
	for _, tt := range tests {
		if got := model.ManageableKeyTypes(tt.a); !slices.Equal(got, tt.want) {
			t.Errorf("ManageableKeyTypes(%s) = %v, want %v", tt.a, got, tt.want)
		}
	}
}

func TestAllowedIsACopy(t *testing.T) {
	got := model.Allowed(model.ActManageKeys, model.KeyAuditLogs)
	if !slices.Equal(got, []model.AccountType{"primary-owner", "security-admin"}) {
		t.Fatalf("Allowed(manage-keys, audit-logs) = %v", got)
	}
	got[1] = "workspace-admin" // a careless caller
	if model.Can("workspace-admin", model.ActManageKeys, model.KeyAuditLogs) {
		t.Fatal("writing to Allowed's result rewrote the permission matrix")
	}
}
