package powerfs

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// The control protocol: a client connects to the daemon's unix socket, writes one JSON Request
// line and reads one JSON Response line. Commands:
//
//	status    is the filesystem mounted; where from and to; the daemon's pid
//	report    per file, what a power loss would drop now (Report)
//	lose      a power loss: unmount, roll every file back to its last sync, mount again (the
//	          program using the mount must be stopped first); Report says what was dropped
//	sync      count everything as durable now (after formatting)
//	shutdown  unmount (orderly: nothing is dropped) and exit
type Request struct {
	Cmd string `json:"cmd"`
}

// Commands of the control protocol.
const (
	CmdStatus   = "status"
	CmdReport   = "report"
	CmdLose     = "lose"
	CmdSync     = "sync"
	CmdShutdown = "shutdown"
)

// Response is the daemon's answer: Error empty on success.
type Response struct {
	Error  string  `json:"error,omitempty"`
	Status *Status `json:"status,omitempty"`
	Report *Report `json:"report,omitempty"`
}

// Status is what the daemon says about itself.
type Status struct {
	PID        int    `json:"pid"`
	Source     string `json:"source"`
	Mountpoint string `json:"mountpoint"`
	Mounted    bool   `json:"mounted"`
}

// Client talks to one daemon through its control socket.
type Client struct{ Socket string }

// loseTimeout bounds a lose: unmounting makes the kernel write back every dirty page first.
const loseTimeout = 2 * time.Minute

// Status asks whether the daemon runs and its filesystem is mounted.
func (c Client) Status() (Status, error) {
	r, err := c.call(CmdStatus, 5*time.Second)
	if err != nil {
		return Status{}, err
	}
	if r.Status == nil {
		return Status{}, fmt.Errorf("powerfs at %s: no status in the answer", c.Socket)
	}
	return *r.Status, nil
}

// Report asks what a power loss would drop now.
func (c Client) Report() (Report, error) { return c.report(CmdReport, 30*time.Second) }

// Lose drops what is not synced (the program using the mount must be stopped) and says what it dropped.
func (c Client) Lose() (Report, error) { return c.report(CmdLose, loseTimeout) }

// MarkSynced counts everything on the filesystem as durable now.
func (c Client) MarkSynced() error {
	_, err := c.call(CmdSync, 30*time.Second)
	return err
}

// Shutdown unmounts the filesystem and stops the daemon.
func (c Client) Shutdown() error {
	_, err := c.call(CmdShutdown, loseTimeout)
	return err
}

func (c Client) report(cmd string, timeout time.Duration) (Report, error) {
	r, err := c.call(cmd, timeout)
	if r.Report != nil {
		return *r.Report, err
	}
	if err == nil {
		err = fmt.Errorf("powerfs at %s: no report in the answer", c.Socket)
	}
	return Report{}, err
}

// call sends one request and reads the answer; a daemon's own error comes back as an error, with
// whatever else the answer holds.
func (c Client) call(cmd string, timeout time.Duration) (Response, error) {
	conn, err := net.DialTimeout("unix", c.Socket, 5*time.Second)
	if err != nil {
		return Response{}, fmt.Errorf("powerfs control socket %s: %w", c.Socket, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if err := json.NewEncoder(conn).Encode(Request{Cmd: cmd}); err != nil {
		return Response{}, fmt.Errorf("powerfs %s via %s: %w", cmd, c.Socket, err)
	}
	var r Response
	if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&r); err != nil {
		return Response{}, fmt.Errorf("powerfs %s via %s: no answer: %w", cmd, c.Socket, err)
	}
	if r.Error != "" {
		return r, fmt.Errorf("powerfs %s: %s", cmd, r.Error)
	}
	return r, nil
}

// maxSocketPath is the longest unix socket path Linux takes (sun_path is 108 bytes with the NUL).
const maxSocketPath = 107

// Serve mounts source on mountpoint and answers control requests on the unix socket until a
// shutdown request, a signal on stop, or an unmount from outside. The socket file is replaced
// if it is a stale socket (nothing answers on it); a live daemon's socket or any other file there
// is refused.
func Serve(source, mountpoint, socket string, stop <-chan os.Signal) error {
	if len(socket) > maxSocketPath {
		return fmt.Errorf("control socket path %s is %d bytes, longer than the %d a unix socket takes: use a shorter folder", socket, len(socket), maxSocketPath)
	}
	if fi, err := os.Lstat(socket); err == nil {
		if fi.Mode()&os.ModeSocket == 0 {
			return fmt.Errorf("control socket %s: a file that is not a socket is in the way", socket)
		}
		if c, err := net.DialTimeout("unix", socket, time.Second); err == nil {
			c.Close()
			return fmt.Errorf("control socket %s: a running daemon answers there; stop it first", socket)
		}
		os.Remove(socket) // a dead daemon's socket: nothing answers on it
	}
	p, err := Mount(source, mountpoint)
	if err != nil {
		return err
	}
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return errors.Join(fmt.Errorf("control socket %s: %w", socket, err), p.Unmount())
	}
	defer os.Remove(socket)
	done := make(chan struct{})
	go func() { p.Wait(); close(done) }()
	reqs := make(chan net.Conn)
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				close(reqs)
				return
			}
			reqs <- conn
		}
	}()
	defer ln.Close()
	for {
		select {
		case <-done:
			return fmt.Errorf("%s was unmounted from outside", mountpoint)
		case sig := <-stop:
			if err := p.Unmount(); err != nil {
				return fmt.Errorf("%v: %w", sig, err)
			}
			return nil
		case conn, ok := <-reqs:
			if !ok {
				return errors.Join(errors.New("control socket closed"), p.Unmount())
			}
			if quit := answer(p, conn); quit {
				return nil
			}
		}
	}
}

// answer serves one control connection; it reports whether the daemon is to exit.
func answer(p *FS, conn net.Conn) (quit bool) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(loseTimeout))
	var req Request
	if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&req); err != nil {
		return false
	}
	var r Response
	fail := func(err error) {
		if err != nil {
			r.Error = err.Error()
		}
	}
	switch req.Cmd {
	case CmdStatus:
		p.ctl.Lock()
		r.Status = &Status{PID: os.Getpid(), Source: p.Source, Mountpoint: p.Mountpoint, Mounted: p.server != nil}
		p.ctl.Unlock()
	case CmdReport:
		rep, err := p.Report()
		r.Report = &rep
		fail(err)
	case CmdLose:
		rep, err := p.Lose()
		r.Report = &rep
		fail(err)
	case CmdSync:
		p.MarkSynced()
	case CmdShutdown:
		err := p.Unmount()
		fail(err)
		quit = err == nil
	default:
		r.Error = fmt.Sprintf("unknown command %q (want status, report, lose, sync or shutdown)", req.Cmd)
	}
	json.NewEncoder(conn).Encode(r)
	return quit
}
