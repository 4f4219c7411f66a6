package tlsconf

import (
	"context"
	"crypto/sha256"
	"maps"
	"os"
	"time"
)

// stamp identifies the content of a file well enough to see a change: a
// rewrite within the same second with the same size still changes the hash.
type stamp struct {
	modTime time.Time
	size    int64
	sum     [sha256.Size]byte
	missing bool
}

// Watch polls the server's files every interval (size, modification time
// and content hash) and calls Reload when any of them changed since the
// last load. A file that stays missing or bad is not reloaded again until
// it changes. It also warns, once per loaded CRL, when the CRL's
// NextUpdate passes. Watch returns when ctx is done.
func (s *Server) Watch(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			if s.changed() {
				s.Reload() // logs its own errors
			}
			s.cur.Load().revoked.noteStale(now, s.opts.CRLFile, s.log)
		}
	}
}

func (s *Server) changed() bool {
	now := s.readStamps()
	s.mu.Lock()
	defer s.mu.Unlock()
	return !maps.Equal(now, s.stamps)
}

// readStamps stamps every configured file.
func (s *Server) readStamps() map[string]stamp {
	stamps := map[string]stamp{}
	for _, p := range []string{s.opts.CertFile, s.opts.KeyFile, s.opts.ClientCAFile, s.opts.CRLFile} {
		if p != "" {
			stamps[p] = readStamp(p)
		}
	}
	return stamps
}

func readStamp(path string) stamp {
	fi, err := os.Stat(path)
	if err != nil {
		return stamp{missing: true}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return stamp{missing: true}
	}
	return stamp{modTime: fi.ModTime(), size: fi.Size(), sum: sha256.Sum256(data)}
}
