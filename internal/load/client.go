package load

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/mtlsguard/mtlsguard/internal/tlsconf"
)

// DefaultTimeout bounds one request when ClientOptions.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// ClientOptions tune a Client. The zero value is ready to use: HTTP/1.1 with
// keep-alive, DefaultTimeout per request, verification against the
// certificate's names.
type ClientOptions struct {
	// Timeout bounds each request from sending to the last byte of the
	// response body; zero means DefaultTimeout.
	Timeout time.Duration
	// HTTP2 offers HTTP/2 through ALPN as well as HTTP/1.1.
	HTTP2 bool
	// ServerName overrides the name verified in the server's certificate
	// (and sent as SNI); empty means the target URL's host.
	ServerName string
	// IdleConns is how many idle keep-alive connections the client keeps
	// for the target; zero means 128, enough for a closed loop of that
	// many workers to reuse its connections.
	IdleConns int
}

// Client is an HTTP client with one identity: its own client certificate,
// its own connection pool with keep-alive. It is safe for concurrent use.
type Client struct {
	hc *http.Client
}

// NewClient returns a Client that presents the certificate in certFile and
// keyFile (PEM) and trusts the CA certificates in caFile. Empty certFile and
// keyFile mean no client certificate; an empty caFile means the system roots.
func NewClient(certFile, keyFile, caFile string, opts ClientOptions) (*Client, error) {
	cfg, err := tlsconf.ClientConfig(certFile, keyFile, caFile)
	if err != nil {
		return nil, err
	}
	return NewClientTLS(cfg, opts), nil
}

// NewClientTLS returns a Client that uses cfg for its handshakes; cfg must
// not be changed afterwards. opts.ServerName, when set, replaces
// cfg.ServerName in a copy.
func NewClientTLS(cfg *tls.Config, opts ClientOptions) *Client {
	cfg = cfg.Clone()
	if opts.ServerName != "" {
		cfg.ServerName = opts.ServerName
	}
	idle := opts.IdleConns
	if idle <= 0 {
		idle = 128
	}
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(opts.HTTP2)
	tr := &http.Transport{
		TLSClientConfig:     cfg,
		Protocols:           protocols,
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
		IdleConnTimeout:     90 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second,
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Client{hc: &http.Client{Transport: tr, Timeout: timeout, CheckRedirect: noRedirects}}
}

// noRedirects reports a redirect as the response it is: a load generator
// measures the target, not where it points.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Do sends one request, reads and discards the whole response body so that
// the connection can be reused, and returns the status code.
func (c *Client) Do(ctx context.Context, spec RequestSpec) (int, error) {
	req, err := spec.newRequest(ctx)
	if err != nil {
		return 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, fmt.Errorf("read response body: %w", err)
	}
	return resp.StatusCode, nil
}

// CloseIdleConnections closes the client's idle keep-alive connections.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }
