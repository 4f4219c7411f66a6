package proxy

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func (r *running) dialTLS(t testing.TB, name string) *tls.Conn {
	t.Helper()
	conn, err := tls.Dial("tcp", r.addr, &tls.Config{RootCAs: r.pki.ca.Pool(), ServerName: "127.0.0.1",
		Certificates: []tls.Certificate{r.pki.clients[name].TLSCertificate()}, NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	return conn
}

func TestSlowHeadersClosed(t *testing.T) {
	r := startProxy(t, "timeouts:\n  read_header: 200ms\n", nil)
	conn := r.dialTLS(t, "alice")
	io.WriteString(conn, "GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: ")
	start := time.Now()
	_, err := io.ReadAll(conn) // the server gives up and closes
	if err != nil && !strings.Contains(err.Error(), "reset") {
		t.Fatalf("read: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("slow headers held the connection for %v", d)
	}
	if n := len(r.up.requests()); n != 0 {
		t.Fatalf("upstream saw %d requests", n)
	}
}

func TestSlowBodyIs408(t *testing.T) {
	r := startProxy(t, "timeouts:\n  body: 300ms\n", nil)
	conn := r.dialTLS(t, "alice")
	io.WriteString(conn, "POST /items HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	problem(t, result{status: resp.StatusCode, header: resp.Header, body: string(body)}, 408, "body-timeout")
	if n := len(r.up.requests()); n != 0 {
		t.Fatalf("upstream saw %d requests", n)
	}
}

func TestSlowStreamedBodyIs408(t *testing.T) {
	r := startProxy(t, "timeouts:\n  body: 300ms\n", nil)
	conn := r.dialTLS(t, "alice")
	io.WriteString(conn, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 100\r\n\r\nabc")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	problem(t, result{status: resp.StatusCode, header: resp.Header, body: string(body)}, 408, "body-timeout")
}

func TestHeaderSizeLimit(t *testing.T) {
	r := startProxy(t, "http:\n  max_header_bytes: 8KiB\n", nil)
	c := r.client(t, "alice", false)
	res := get(t, c, r.url("/ping"), "X-Big", strings.Repeat("a", 32<<10))
	if res.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", res.status)
	}
	if res := get(t, r.client(t, "alice", false), r.url("/ping"), "X-Small", strings.Repeat("a", 1<<10)); res.status != 200 {
		t.Fatalf("small header: %d", res.status)
	}
}

// TestMaxConnections: past http.max_connections the proxy accepts nothing
// more, certificate or not, until a connection closes.
func TestMaxConnections(t *testing.T) {
	r := startProxy(t, "http:\n  max_connections: 2\ntimeouts:\n  read_header: 20s\n", nil)
	var held []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", r.addr) // no handshake: still a connection
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	done := make(chan error, 1)
	go func() {
		conn, err := tls.Dial("tcp", r.addr, &tls.Config{RootCAs: r.pki.ca.Pool(), ServerName: "127.0.0.1",
			Certificates: []tls.Certificate{r.pki.clients["alice"].TLSCertificate()}})
		if err == nil {
			conn.Close()
		}
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a third connection was served past max_connections 2 (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	held[0].Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("after one closed, the handshake failed: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting connection was never accepted")
	}
	held[1].Close()
}
