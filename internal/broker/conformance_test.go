package broker_test

import (
	"testing"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/broker/hosttest"
)

// Local passes the conformance suite, its privileged cases included: the project's tests run
// as root (the e2e tests mount filesystems too).
func TestLocalConformance(t *testing.T) {
	hosttest.Run(t, func(t *testing.T) (broker.Host, string) { return broker.Local{}, t.TempDir() }, hosttest.Privileged())
}
