package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// child is a program the harness runs: the exporter, the simulator, or the peer.
type child struct {
	name   string
	cmd    *exec.Cmd
	base   string // http://address it listens on
	mu     sync.Mutex
	lines  []string // stderr and stdout, kept for gctrace and for errors
	exited chan error
}

// listenRE finds a listen address in a log line: logfmt (address=127.0.0.1:1) or JSON
// ("address":"127.0.0.1:1"), or the simulator's own "listening on http://127.0.0.1:1".
var listenRE = regexp.MustCompile(`(?:address"?[=:]"?|listening on http://)(127\.0\.0\.1:[0-9]+)`)

// startChild runs bin with args and extra environment, and waits until it logs where it
// listens.
func startChild(name, bin string, env []string, args ...string) (*child, error) {
	c := &child{name: name, cmd: exec.Command(bin, args...), exited: make(chan error, 1)}
	c.cmd.Env = append(os.Environ(), env...)
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	addr := make(chan string, 2)
	var readers sync.WaitGroup
	for _, r := range []io.Reader{stderr, stdout} {
		readers.Go(func() { c.read(r, addr) })
	}
	go func() {
		readers.Wait()
		c.exited <- c.cmd.Wait()
	}()
	select {
	case a := <-addr:
		c.base = "http://" + a
		return c, nil
	case err := <-c.exited:
		return nil, fmt.Errorf("%s exited before listening: %v\n%s", name, err, c.output())
	case <-time.After(60 * time.Second):
		c.stop()
		return nil, fmt.Errorf("%s did not say where it listens within 60s\n%s", name, c.output())
	}
}

func (c *child) read(r io.Reader, addr chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		c.mu.Lock()
		c.lines = append(c.lines, line)
		c.mu.Unlock()
		if m := listenRE.FindStringSubmatch(line); m != nil {
			select {
			case addr <- m[1]:
			default:
			}
		}
	}
}

// output returns everything the child printed so far.
func (c *child) output() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.lines, "\n")
}

// stop ends the child (SIGKILL: nothing of its state matters after a measurement) and waits.
func (c *child) stop() {
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Kill()
		<-c.exited
	}
}

// peakRSS reads VmHWM, the peak resident set size, from /proc/PID/status, in bytes.
func (c *child) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", c.cmd.Process.Pid)
}

// gcTraceRE reads the heap sizes of a GODEBUG=gctrace=1 line: heap at GC start, at GC end,
// and live, in MB.
var gcTraceRE = regexp.MustCompile(`^gc \d+ .* (\d+)->(\d+)->(\d+) MB`)

// peakHeapMB is the largest heap a gctrace line reported: the heap peaks when a collection
// starts, so this is the peak up to the last collection.
func (c *child) peakHeapMB() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	peak, gcs := 0, 0
	for _, l := range c.lines {
		if m := gcTraceRE.FindStringSubmatch(l); m != nil {
			gcs++
			for _, s := range m[1:3] {
				if n, _ := strconv.Atoi(s); n > peak {
					peak = n
				}
			}
		}
	}
	return peak, gcs
}

// waitReady polls url until it answers 200.
func waitReady(url string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready within %s (last: %v)", url, limit, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
