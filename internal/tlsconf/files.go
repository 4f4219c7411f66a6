package tlsconf

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// readBlocks reads the PEM blocks of the file at path; what ("certificate",
// "key", "client CA", "CRL") names the file in errors.
func readBlocks(path, what string) ([]*pem.Block, []byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, fmt.Errorf("%s file %s does not exist; check the path: %w", what, path, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s file %s: %w", what, path, err)
	}
	var blocks []*pem.Block
	for rest := data; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		blocks = append(blocks, b)
	}
	return blocks, data, nil
}

// readCerts returns every CERTIFICATE of the PEM file at path.
func readCerts(path, what string) ([]*x509.Certificate, error) {
	blocks, _, err := readBlocks(path, what)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for _, b := range blocks {
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s file %s: %w", what, path, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%s file %s holds no certificate (%s); give a PEM file with \"-----BEGIN CERTIFICATE-----\" blocks", what, path, describeBlocks(blocks))
	}
	return certs, nil
}

// readKey returns the first private key of the PEM file at path.
func readKey(path string) (crypto.Signer, error) {
	blocks, _, err := readBlocks(path, "key")
	if err != nil {
		return nil, err
	}
	for _, b := range blocks {
		var k any
		switch b.Type {
		case "PRIVATE KEY":
			k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			k, err = x509.ParseECPrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("key file %s: %w", path, err)
		}
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, fmt.Errorf("key file %s: unsupported key type %T", path, k)
	}
	return nil, fmt.Errorf("key file %s holds no private key (%s); give a PEM file with a \"-----BEGIN PRIVATE KEY-----\" block", path, describeBlocks(blocks))
}

// loadPair reads a certificate (and any chain after it) and its key and
// checks that they belong together.
func loadPair(certFile, keyFile string) (*tls.Certificate, error) {
	certs, err := readCerts(certFile, "certificate")
	if err != nil {
		return nil, err
	}
	key, err := readKey(keyFile)
	if err != nil {
		return nil, err
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(certs[0].PublicKey) {
		return nil, fmt.Errorf("key file %s does not match certificate %s; give the key that was issued with this certificate", keyFile, certFile)
	}
	pair := &tls.Certificate{PrivateKey: key, Leaf: certs[0]}
	for _, c := range certs {
		pair.Certificate = append(pair.Certificate, c.Raw)
	}
	return pair, nil
}

// describeBlocks says what a PEM file held instead of what was wanted.
func describeBlocks(blocks []*pem.Block) string {
	if len(blocks) == 0 {
		return "not PEM: no \"-----BEGIN ...-----\" block found"
	}
	return fmt.Sprintf("found a %q block; are the paths swapped?", blocks[0].Type)
}
