package pki

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File names inside a PKI directory. A client certificate for CN "alice" is
// written as alice.crt and alice.key.
const (
	CACertFile     = "ca.crt"
	CAKeyFile      = "ca.key"
	ServerCertFile = "server.crt"
	ServerKeyFile  = "server.key"
	CRLFile        = "ca.crl"
)

// ErrExists is wrapped by the errors of InitDir and IssueFiles when a file
// they would write exists and force is false.
var ErrExists = errors.New("file exists")

// Modes of written files: private keys are readable by the owner alone.
const (
	keyMode  fs.FileMode = 0o600
	certMode fs.FileMode = 0o644
)

// InitDir creates dir (0700) if needed and writes a new CA, a server
// certificate for localhost, 127.0.0.1 and ::1, and an empty CRL. Without
// force it writes nothing if any of those files exists.
func InitDir(dir string, force bool) error {
	names := []string{CACertFile, CAKeyFile, ServerCertFile, ServerKeyFile, CRLFile}
	if err := checkFree(dir, names, force); err != nil {
		return err
	}
	ca, err := NewCA("mtlsguard development CA")
	if err != nil {
		return err
	}
	server, err := ca.Server()
	if err != nil {
		return err
	}
	caKey, err := encodeKey(ca.Key)
	if err != nil {
		return err
	}
	crl, err := ca.CRL(nil, CRLValidity)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create directory %s: %w", dir, err)
	}
	return writeFiles(dir, []file{
		{CAKeyFile, caKey, keyMode},
		{CACertFile, ca.CertPEM(), certMode},
		{ServerKeyFile, server.KeyPEM, keyMode},
		{ServerCertFile, server.CertPEM, certMode},
		{CRLFile, crl, certMode},
	})
}

// LoadCA reads dir/ca.crt and dir/ca.key and checks that they belong
// together and that the certificate is a CA.
func LoadCA(dir string) (*CA, error) {
	certPath := filepath.Join(dir, CACertFile)
	keyPath := filepath.Join(dir, CAKeyFile)
	cert, err := ReadCertFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w (create one with 'mtlsguard certs init --dir %s')", err, dir)
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("load CA: %s is not a CA certificate; point --dir at a directory made by 'mtlsguard certs init'", certPath)
	}
	signer, err := ReadKeyFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	key, ok := signer.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("load CA: %s holds a %T; the development CA needs an ECDSA key", keyPath, signer)
	}
	if err := matchKey(cert, signer, certPath, keyPath); err != nil {
		return nil, fmt.Errorf("load CA: %w", err)
	}
	return &CA{Cert: cert, Key: key}, nil
}

// IssueFiles issues a client certificate signed by dir's CA and writes it as
// dir/NAME.crt and dir/NAME.key, NAME being spec.CN made safe for a file
// name (see FileName). Without force it refuses to overwrite either file.
func IssueFiles(dir string, spec ClientSpec, force bool) (certPath, keyPath string, err error) {
	name, err := FileName(spec.CN)
	if err != nil {
		return "", "", err
	}
	certName, keyName := name+".crt", name+".key"
	if err := checkFree(dir, []string{certName, keyName}, force); err != nil {
		return "", "", err
	}
	ca, err := LoadCA(dir)
	if err != nil {
		return "", "", err
	}
	pair, err := ca.Client(spec)
	if err != nil {
		return "", "", err
	}
	err = writeFiles(dir, []file{{keyName, pair.KeyPEM, keyMode}, {certName, pair.CertPEM, certMode}})
	if err != nil {
		return "", "", err
	}
	return filepath.Join(dir, certName), filepath.Join(dir, keyName), nil
}

// FileName turns a CN into a file name stem: every character other than
// ASCII letters, digits, '.', '-' and '_' becomes '-', and leading dots and
// dashes are dropped. It refuses a CN that leaves nothing, and "ca" and
// "server", whose files belong to InitDir.
func FileName(cn string) (string, error) {
	var b strings.Builder
	for _, r := range cn {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	name := strings.TrimLeft(b.String(), ".-")
	switch strings.ToLower(name) {
	case "":
		return "", fmt.Errorf("CN %q gives no usable file name; use letters, digits, '.', '-' or '_'", cn)
	case "ca", "server":
		return "", fmt.Errorf("CN %q would overwrite the %s files of the PKI directory; choose another CN", cn, name)
	}
	return name, nil
}

// RevokeFile adds the serial of the certificate at certPath to dir/ca.crl,
// keeping the entries already there, and re-signs the CRL with a fresh
// NextUpdate. It refuses a certificate that dir's CA did not sign.
func RevokeFile(dir, certPath string) error {
	ca, err := LoadCA(dir)
	if err != nil {
		return err
	}
	cert, err := ReadCertFile(certPath)
	if err != nil {
		return err
	}
	if err := cert.CheckSignatureFrom(ca.Cert); err != nil {
		return fmt.Errorf("revoke %s: not signed by the CA in %s (%w); revoke it with the CA that issued it", certPath, dir, err)
	}
	entries, number, err := readCRLEntries(ca, filepath.Join(dir, CRLFile))
	if err != nil {
		return err
	}
	if !revoked(entries, cert.SerialNumber) {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: cert.SerialNumber, RevocationTime: time.Now()})
	}
	crl, err := ca.crl(entries, number, CRLValidity)
	if err != nil {
		return err
	}
	return writeFiles(dir, []file{{CRLFile, crl, certMode}})
}

// readCRLEntries returns the entries and number of the CRL at path, or
// nothing if there is no such file.
func readCRLEntries(ca *CA, path string) ([]x509.RevocationListEntry, *big.Int, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read CRL: %w", err)
	}
	list, err := ca.ParseCRL(data)
	if err != nil {
		return nil, nil, fmt.Errorf("CRL %s: %w; remove it to start a new one", path, err)
	}
	return list.RevokedCertificateEntries, list.Number, nil
}

func revoked(entries []x509.RevocationListEntry, serial *big.Int) bool {
	for _, e := range entries {
		if e.SerialNumber.Cmp(serial) == 0 {
			return true
		}
	}
	return false
}

// file is one file to write into a PKI directory.
type file struct {
	name string
	data []byte
	mode fs.FileMode
}

// checkFree refuses, unless force, if any of names exists in dir.
func checkFree(dir string, names []string, force bool) error {
	if force {
		return nil
	}
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Lstat(p); err == nil {
			return fmt.Errorf("%s: %w; pass --force to overwrite it", p, ErrExists)
		}
	}
	return nil
}

// writeFiles writes each file through a temporary file and a rename, so a
// reader (a proxy watching the directory) never sees half a file.
func writeFiles(dir string, files []file) error {
	for _, f := range files {
		if err := writeAtomic(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	return nil
}

func writeAtomic(path string, data []byte, mode fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
