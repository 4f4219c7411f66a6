package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Defaults of the noisy-neighbour scenario, used where a NoisyNeighbor field
// is zero.
const (
	DefaultVictimPath        = "/api/ping"
	DefaultVictimRate        = 5.0
	DefaultVictims           = 5
	DefaultAbuserPath        = "/api/slow"
	DefaultAbuserConcurrency = 64
	DefaultPhaseDuration     = 20 * time.Second
	DefaultAbuserMaxRequests = 1_000_000
)

// Upper bounds that keep a mistyped flag from becoming a flood of this
// machine's own making.
const (
	maxVictims     = 1000
	maxVictimRate  = 10_000.0
	maxConcurrency = 10_000
)

// ErrInvalidScenario marks a NoisyNeighbor that cannot run as given.
var ErrInvalidScenario = errors.New("invalid noisy-neighbour scenario")

// ErrUnreachable marks a target that did not answer the preflight request.
var ErrUnreachable = errors.New("target unreachable")

// NoisyNeighbor is the noisy-neighbour scenario: Victims clients with the
// victim certificate each send VictimRate requests per second to VictimPath
// (open loop), first alone (baseline), then while one client with the
// abuser certificate floods AbuserPath from AbuserConcurrency closed-loop
// workers (attack). Each phase lasts Duration. Zero fields take the Default
// constants; Target, CA and the four certificate files are required.
type NoisyNeighbor struct {
	Target                string // base URL, as in https://127.0.0.1:8443
	CA                    string
	VictimCert, VictimKey string
	AbuserCert, AbuserKey string
	VictimPath            string
	VictimRate            float64
	Victims               int
	AbuserPath            string
	AbuserConcurrency     int
	// AbuserBodySize, when positive, makes every abuser request a POST
	// with a body of that many bytes.
	AbuserBodySize int64
	// Duration of each phase, at most MaxDuration.
	Duration time.Duration
	// AbuserMaxRequests caps the abuser's requests in the attack phase.
	AbuserMaxRequests int
	// Client tunes every client of the scenario.
	Client ClientOptions
}

// withDefaults returns the scenario with its zero fields filled in.
func (n NoisyNeighbor) withDefaults() NoisyNeighbor {
	n.VictimPath = orDefault(n.VictimPath, DefaultVictimPath)
	n.VictimRate = orDefault(n.VictimRate, DefaultVictimRate)
	n.Victims = orDefault(n.Victims, DefaultVictims)
	n.AbuserPath = orDefault(n.AbuserPath, DefaultAbuserPath)
	n.AbuserConcurrency = orDefault(n.AbuserConcurrency, DefaultAbuserConcurrency)
	n.Duration = orDefault(n.Duration, DefaultPhaseDuration)
	n.AbuserMaxRequests = orDefault(n.AbuserMaxRequests, DefaultAbuserMaxRequests)
	return n
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// validate checks a scenario with its defaults applied.
func (n NoisyNeighbor) validate() error {
	checks := []struct {
		bad bool
		msg string
	}{
		{n.Target == "", "the target URL is missing: give the base URL, as in https://127.0.0.1:8443"},
		{n.VictimCert == "" || n.VictimKey == "", "the victim certificate and key are both required"},
		{n.AbuserCert == "" || n.AbuserKey == "", "the abuser certificate and key are both required"},
		{n.Duration < 0 || n.Duration > MaxDuration, fmt.Sprintf("phase duration %v is out of range: give at most %v", n.Duration, MaxDuration)},
		{n.Victims < 0 || n.Victims > maxVictims, fmt.Sprintf("%d victims is out of range: give 1 to %d", n.Victims, maxVictims)},
		{n.VictimRate < 0 || n.VictimRate > maxVictimRate || math.IsNaN(n.VictimRate), fmt.Sprintf("victim rate %g/s is out of range: give more than 0 and at most %g", n.VictimRate, maxVictimRate)},
		{n.AbuserConcurrency < 0 || n.AbuserConcurrency > maxConcurrency, fmt.Sprintf("abuser concurrency %d is out of range: give 1 to %d", n.AbuserConcurrency, maxConcurrency)},
		{n.AbuserBodySize < 0, fmt.Sprintf("abuser body size %d is negative", n.AbuserBodySize)},
		{n.AbuserMaxRequests < 0, fmt.Sprintf("abuser request cap %d is negative", n.AbuserMaxRequests)},
	}
	for _, c := range checks {
		if c.bad {
			return fmt.Errorf("%w: %s", ErrInvalidScenario, c.msg)
		}
	}
	return nil
}

// joinURL appends path (which may carry a query) to the base URL target.
func joinURL(target, path string) (string, error) {
	base, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("%w: target %q is not an absolute http(s) URL (%w): give one as in https://127.0.0.1:8443", ErrInvalidScenario, target, err)
	}
	if (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return "", fmt.Errorf("%w: target %q is not an absolute http(s) URL: give one as in https://127.0.0.1:8443", ErrInvalidScenario, target)
	}
	ref, err := url.Parse(path)
	if err != nil || !strings.HasPrefix(path, "/") || ref.Host != "" {
		return "", fmt.Errorf("%w: path %q must start with / and name no host", ErrInvalidScenario, path)
	}
	u := *base
	u.Path = strings.TrimSuffix(base.Path, "/") + ref.Path
	u.RawPath = ""
	u.RawQuery = ref.RawQuery
	return u.String(), nil
}

// PhaseReport is one phase of the scenario: what the victims measured
// together and, in the attack phase, what the abuser got.
type PhaseReport struct {
	Name    string  `json:"name"`
	Victims Result  `json:"victims"`
	Abuser  *Result `json:"abuser"` // nil in the baseline
}

// NoisyReport is the outcome of RunNoisyNeighbor. Ratio is the victims'
// attack p99 over their baseline p99 (zero when the baseline has none).
type NoisyReport struct {
	Scenario Scenario    `json:"scenario"`
	Baseline PhaseReport `json:"baseline"`
	Attack   PhaseReport `json:"attack"`
	Ratio    float64     `json:"ratio"`
}

// Scenario echoes, in a report, the scenario that ran.
type Scenario struct {
	Target            string  `json:"target"`
	Victims           int     `json:"victims"`
	VictimRate        float64 `json:"victim_rate"`
	VictimPath        string  `json:"victim_path"`
	AbuserPath        string  `json:"abuser_path"`
	AbuserConcurrency int     `json:"abuser_concurrency"`
	AbuserBodySize    int64   `json:"abuser_body_size"`
	PhaseSeconds      float64 `json:"phase_duration_s"`
}

// setup is a validated scenario ready to run.
type setup struct {
	cfg           NoisyNeighbor
	victims       []*Client
	abuser        *Client
	victimReq     RequestSpec
	abuserReq     RequestSpec
	victimPerLoop int
}

// RunNoisyNeighbor runs the scenario: it checks cfg and the certificates,
// sends one untimed request per client to the victim path (which both
// checks that the target answers and warms up the connections), then runs
// the baseline phase and the attack phase. progress, when not nil, gets one
// line as each phase starts and ends. An error wraps ErrInvalidScenario for
// a bad cfg, ErrUnreachable when a preflight request got no response, or
// tells which certificate file could not be used.
func RunNoisyNeighbor(ctx context.Context, cfg NoisyNeighbor, progress io.Writer) (*NoisyReport, error) {
	if progress == nil {
		progress = io.Discard
	}
	s, err := prepare(cfg.withDefaults())
	if err != nil {
		return nil, err
	}
	if err := s.preflight(ctx); err != nil {
		return nil, err
	}
	rep := &NoisyReport{Scenario: s.scenario()}
	rep.Baseline = s.phase(ctx, "baseline", false, progress)
	rep.Attack = s.phase(ctx, "attack", true, progress)
	if base := rep.Baseline.Victims.Latency.P99; base > 0 {
		rep.Ratio = float64(rep.Attack.Victims.Latency.P99) / float64(base)
	}
	return rep, ctx.Err()
}

func prepare(cfg NoisyNeighbor) (*setup, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	victimURL, err := joinURL(cfg.Target, cfg.VictimPath)
	if err != nil {
		return nil, err
	}
	abuserURL, err := joinURL(cfg.Target, cfg.AbuserPath)
	if err != nil {
		return nil, err
	}
	s := &setup{
		cfg:           cfg,
		victimReq:     RequestSpec{URL: victimURL},
		abuserReq:     RequestSpec{URL: abuserURL, BodySize: cfg.AbuserBodySize},
		victimPerLoop: int(math.Ceil(cfg.VictimRate*cfg.Duration.Seconds())) + 1,
	}
	for range cfg.Victims {
		c, err := NewClient(cfg.VictimCert, cfg.VictimKey, cfg.CA, cfg.Client)
		if err != nil {
			return nil, fmt.Errorf("victim client: %w", err)
		}
		s.victims = append(s.victims, c)
	}
	abuserOpts := cfg.Client
	abuserOpts.IdleConns = max(abuserOpts.IdleConns, cfg.AbuserConcurrency)
	if s.abuser, err = NewClient(cfg.AbuserCert, cfg.AbuserKey, cfg.CA, abuserOpts); err != nil {
		return nil, fmt.Errorf("abuser client: %w", err)
	}
	return s, nil
}

// preflight sends one request from every client; any response will do.
func (s *setup) preflight(ctx context.Context) error {
	clients := append([]*Client{s.abuser}, s.victims...)
	for i, c := range clients {
		if _, err := c.Do(ctx, s.victimReq); err != nil {
			who := "victim"
			if i == 0 {
				who = "abuser"
			}
			return fmt.Errorf("%w: preflight request as the %s to %s failed (%s): %w; check the target URL, the CA and the certificates",
				ErrUnreachable, who, s.victimReq.URL, ClassifyError(err), err)
		}
	}
	return nil
}

func (s *setup) scenario() Scenario {
	c := s.cfg
	return Scenario{Target: c.Target, Victims: c.Victims, VictimRate: c.VictimRate, VictimPath: c.VictimPath,
		AbuserPath: c.AbuserPath, AbuserConcurrency: c.AbuserConcurrency, AbuserBodySize: c.AbuserBodySize,
		PhaseSeconds: c.Duration.Seconds()}
}

// phase runs the victims, and the abuser when attack is set, side by side.
func (s *setup) phase(ctx context.Context, name string, attack bool, progress io.Writer) PhaseReport {
	fmt.Fprintf(progress, "%s: %d victims at %g r/s on %s", name, len(s.victims), s.cfg.VictimRate, s.cfg.VictimPath)
	if attack {
		fmt.Fprintf(progress, ", abuser with %d workers on %s", s.cfg.AbuserConcurrency, s.cfg.AbuserPath)
	}
	fmt.Fprintf(progress, " for %v\n", s.cfg.Duration)
	var wg sync.WaitGroup
	results := make([]Result, len(s.victims))
	for i, c := range s.victims {
		wg.Go(func() { results[i] = OpenLoop(ctx, c, s.victimReq, s.cfg.VictimRate, s.cfg.Duration, s.victimPerLoop) })
	}
	rep := PhaseReport{Name: name}
	if attack {
		abuser := ClosedLoop(ctx, s.abuser, s.abuserReq, s.cfg.AbuserConcurrency, s.cfg.Duration, s.cfg.AbuserMaxRequests)
		rep.Abuser = &abuser
	}
	wg.Wait()
	rep.Victims = Merge(results...)
	fmt.Fprintf(progress, "%s: done, victims %d/%d ok, p99 %v\n", name, rep.Victims.OK, rep.Victims.Requests, rep.Victims.Latency.P99)
	return rep
}
