package marketplacetest

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// Server is a simulator listening on a loopback port, like httptest.Server
// but usable outside tests (the exporter's --demo mode runs one).
type Server struct {
	*Simulator
	// URL is the base URL, such as http://127.0.0.1:41234; it serves both
	// /rest/2/... and /rest/3/....
	URL string

	srv  *http.Server
	done chan struct{}
}

// NewServer starts a simulator for opts on a free loopback port.
func NewServer(opts Options) (*Server, error) {
	sim, err := New(opts)
	if err != nil {
		return nil, err
	}
	return serve(sim)
}

// serve starts sim on a free loopback port.
func serve(sim *Simulator) (*Server, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("marketplacetest: listen: %w", err)
	}
	s := &Server{
		Simulator: sim,
		URL:       "http://" + l.Addr().String(),
		srv:       &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second},
		done:      make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		// Serve returns ErrServerClosed after Close; any other error means
		// the listener broke, which clients notice as failed requests.
		s.srv.Serve(l)
	}()
	return s, nil
}

// Close stops the server: hung requests are released and every connection
// is closed. It waits until the server has stopped.
func (s *Server) Close() {
	s.Simulator.close()
	s.srv.Close()
	<-s.done
}
