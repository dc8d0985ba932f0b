package main

import "github.com/apikeys-dev/apikeys/contract"

// The tests read the CLI's --json output back into the contract types it was
// written from, under the names they have always used here.
type (
	keyJSON    = contract.Key
	memberRef  = contract.MemberRef
	memberJSON = contract.Member
	eventJSON  = contract.AuditEvent
)
