//go:build !unix

package apikeys

import "time"

func processCPU() time.Duration { return 0 }
