package proxy

import (
	"crypto/tls"
	"io"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// TestHTTP2StreamsBounded reads the server's SETTINGS frame: the proxy
// announces http.max_concurrent_streams to every HTTP/2 client.
func TestHTTP2StreamsBounded(t *testing.T) {
	r := startProxy(t, "http:\n  max_concurrent_streams: 7\n", nil)
	conn, err := tls.Dial("tcp", r.addr, &tls.Config{RootCAs: r.pki.ca.Pool(), ServerName: "127.0.0.1",
		Certificates: []tls.Certificate{r.pki.clients["alice"].TLSCertificate()}, NextProtos: []string{"h2"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if p := conn.ConnectionState().NegotiatedProtocol; p != "h2" {
		t.Fatalf("ALPN = %q, want h2", p)
	}
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	if err := fr.WriteSettings(); err != nil {
		t.Fatal(err)
	}
	for {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		sf, ok := f.(*http2.SettingsFrame)
		if !ok || sf.IsAck() {
			continue
		}
		v, ok := sf.Value(http2.SettingMaxConcurrentStreams)
		if !ok || v != 7 {
			t.Fatalf("SETTINGS_MAX_CONCURRENT_STREAMS = %d (present %v), want 7", v, ok)
		}
		return
	}
}
