package store

import (
	"crypto/rand"
	"fmt"
)

// PageTokenKeyLen is the length of a new workspace's page token key.
const PageTokenKeyLen = 32

// NewPageTokenKey makes a workspace's page token key from crypto/rand, for
// implementations of CreateWorkspace.
func NewPageTokenKey() ([]byte, error) {
	key := make([]byte, PageTokenKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make page token key: %w", err)
	}
	return key, nil
}
