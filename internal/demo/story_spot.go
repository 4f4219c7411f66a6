package demo

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// spoofHeader is the spelling of the identity header a client sends to
// pass as someone else: the '_' form reaches a WSGI app under the same key
// as X-SSL-Client-CN, and wins there.
const spoofHeader = "X_SSL_Client_CN"

// Spot is what one front did with three requests anyone can repeat with
// curl: Alice claiming to be admin, and the admin list asked for by Admin
// (OU=admins) and by Mallory.
type Spot struct {
	WhoamiSpoofed  string `json:"whoami_spoofed"` // the CN the app saw when Alice sent X_SSL_Client_CN: admin
	AdminAsAdmin   int    `json:"admin_users_as_admin"`
	AdminAsMallory int    `json:"admin_users_as_mallory"`
}

// spot sends the three requests to target.
func (st *stage) spot(ctx context.Context, target string) (Spot, error) {
	var s Spot
	body, _, err := st.get(ctx, Alice, target+"/api/whoami", http.Header{spoofHeader: {"admin"}})
	if err != nil {
		return s, err
	}
	var who struct {
		CN string `json:"cn"`
	}
	if err := json.Unmarshal(body, &who); err != nil {
		return s, fmt.Errorf("demo: whoami answered %q: %w", body, err)
	}
	s.WhoamiSpoofed = who.CN
	if _, s.AdminAsAdmin, err = st.get(ctx, Admin, target+"/api/admin/users", nil); err != nil {
		return s, err
	}
	_, s.AdminAsMallory, err = st.get(ctx, Mallory, target+"/api/admin/users", nil)
	return s, err
}

// get sends one GET as the named client, with h added as spelled, and
// returns the body and status.
func (st *stage) get(ctx context.Context, who, url string, h http.Header) ([]byte, int, error) {
	cert, err := st.pki.Certificate(who)
	if err != nil {
		return nil, 0, err
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{cert}, RootCAs: st.pki.Pool, MinVersion: tls.VersionTLS12,
	}}
	defer tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("demo: %w", err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, 0, fmt.Errorf("demo: GET %s as %s: %w", url, who, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, 0, fmt.Errorf("demo: GET %s as %s: %w", url, who, err)
	}
	return body, resp.StatusCode, nil
}
