package fleet_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zeebe-backup/zeebe-backup/internal/broker"
	"github.com/zeebe-backup/zeebe-backup/internal/cluster"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet"
	"github.com/zeebe-backup/zeebe-backup/internal/fleet/fleettest"
	"github.com/zeebe-backup/zeebe-backup/internal/sim/simtest"
)

// The test binary is also the tiny broker the commands driver is tested against.
const (
	envAddr = "FLEET_TEST_BROKER_ADDR"
	envData = "FLEET_TEST_BROKER_DATA"
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(envAddr); addr != "" {
		os.Exit(tinyBroker(addr, os.Getenv(envData)))
	}
	os.Exit(m.Run())
}

// tinyBroker behaves as a broker does towards the commands driver: it holds a file below its
// data folder, its /ready answers 503 while it starts and 204 once ready; on SIGTERM its
// endpoint goes away at once, but it holds its data until it exits a while later, as a broker
// that flushes on its way down, so that only proving down (not the stop command) tells when
// it is down.
func tinyBroker(addr, data string) int {
	if _, err := os.OpenFile(filepath.Join(data, "held"), os.O_CREATE|os.O_RDWR, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	term := make(chan os.Signal, 1)
	signal.Notify(term, syscall.SIGTERM)
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	born := time.Now()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ready" || time.Since(born) < 200*time.Millisecond {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(l)
	<-term
	srv.Close()
	time.Sleep(400 * time.Millisecond)
	// held is closed by the exit itself: the data is held until the process is exiting.
	return 0
}

// instance is the process id of the tiny broker last started in dir, "" when it has exited or
// is exiting (PF_EXITING is set before the kernel closes its files; a zombie nobody reaped has
// exited).
func instance(t *testing.T, dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "instance"))
	if err != nil {
		t.Fatalf("read the instance started in %s: %v", dir, err)
	}
	pid := strings.TrimSpace(string(raw))
	if pid == "" {
		return ""
	}
	stat, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return ""
	}
	// After "pid (comm)": state, ppid, pgrp, session, tty_nr, tpgid, flags.
	fields := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
	if len(fields) < 7 {
		t.Fatalf("/proc/%s/stat: %q", pid, stat)
	}
	const pfExiting = 0x4
	flags, err := strconv.ParseUint(fields[6], 10, 64)
	if err != nil {
		t.Fatalf("/proc/%s/stat flags: %v", pid, err)
	}
	if fields[0] == "Z" || fields[0] == "X" || flags&pfExiting != 0 {
		return ""
	}
	return pid
}

// tinyMembers are n tiny brokers driven by sh commands: the start command puts the broker in
// the background and returns; the stop command sends SIGTERM and returns at once.
func tinyMembers(t *testing.T, n int) []*fleet.Member {
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ports := simtest.FreePorts(t, n)
	var ms []*fleet.Member
	for i := range n {
		dir := t.TempDir()
		data := filepath.Join(dir, "data")
		if err := os.Mkdir(data, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "instance"), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(ports[i])
		start := fmt.Sprintf("cd %s; GORACE=atexit_sleep_ms=0 %s=%s %s=%s %s </dev/null >>broker.log 2>&1 & echo $! >%s/instance", dir, envAddr, addr, envData, data, bin, dir)
		stop := fmt.Sprintf("kill -TERM $(cat %s/instance) 2>/dev/null; exit 0", dir)
		ms = append(ms, &fleet.Member{
			Broker: cluster.Broker{
				NodeID: i, Host: cluster.Local, Health: "http://" + addr,
				Stop:  cluster.Command{Run: stop, Timeout: 10 * time.Second},
				Start: cluster.Command{Run: start, Timeout: 10 * time.Second},
			},
			Host: broker.Local{}, DataDir: data,
		})
		t.Cleanup(func() {
			if pid, err := strconv.Atoi(instance(t, dir)); err == nil {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		})
	}
	return ms
}

// startTiny starts the members' brokers with their own commands, not through a driver, and
// waits until each is ready.
func startTiny(t *testing.T, ms []*fleet.Member) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, m := range ms {
		if out, err := m.Host.Run(ctx, m.Broker.Start.Run, m.Broker.Start.Timeout, nil); err != nil {
			t.Fatalf("start %s: %v %s", m.Broker.Name(), err, out)
		}
	}
	for _, m := range ms {
		if err := broker.WaitReady(ctx, m.Broker.Health, 20*time.Millisecond); err != nil {
			t.Fatalf("%s: %v", m.Broker.Name(), err)
		}
	}
}

func newCommandsHarness(t *testing.T, n int) *fleettest.Harness {
	ms := tinyMembers(t, n)
	startTiny(t, ms)
	return &fleettest.Harness{
		Driver:   &fleet.Commands{Poll: 20 * time.Millisecond},
		Members:  ms,
		Instance: func(t *testing.T, m *fleet.Member) string { return instance(t, filepath.Dir(m.DataDir)) },
		Break: func(t *testing.T, m *fleet.Member, what string) {
			switch what {
			case "stop":
				m.Broker.Stop = cluster.Command{Run: "true", Timeout: 2 * time.Second}
			case "start":
				m.Broker.Start.Run = "echo refused by the suite >&2; exit 3"
			default:
				t.Fatalf("Break %q", what)
			}
		},
	}
}

func TestCommandsPassesTheDriverSuite(t *testing.T) {
	fleettest.RunDriverSuite(t, newCommandsHarness)
}
