package tlsconf

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
)

// ClientConfig returns a TLS 1.2+ client config that presents the
// certificate in certFile with the key in keyFile and trusts the server
// certificates signed by the CAs in caFile. caFile "" trusts the system
// roots; certFile and keyFile both "" present no certificate (to probe a
// server's handling of clients without one).
func ClientConfig(certFile, keyFile, caFile string) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	switch {
	case certFile != "" && keyFile != "":
		pair, err := loadPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{*pair}
	case certFile != "" || keyFile != "":
		return nil, errors.New("client certificate: give both the certificate and its key, or neither")
	}
	if caFile != "" {
		cas, err := readCerts(caFile, "CA")
		if err != nil {
			return nil, fmt.Errorf("server CA: %w", err)
		}
		conf.RootCAs = x509.NewCertPool()
		for _, c := range cas {
			conf.RootCAs.AddCert(c)
		}
	}
	return conf, nil
}
