package githubtest

import (
	"sync"
	"time"
)

// Clock is a test clock that moves only when the test (or a fake Sleep)
// moves it, safe to share between the program under test and the fake.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock starts a clock at start.
func NewClock(start time.Time) *Clock {
	return &Clock{now: start}
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Ticks is a ticker on a Clock for the program under test: Ticker starts
// it (the shape of an injected ticker: every d, call tick; the function
// returned stops it), and Advance moves the clock on, ticking each time
// the clock reaches another period since the ticker started, so that what
// a tick tells is what was done by then, with no real time involved.
type Ticks struct {
	clock *Clock

	mu     sync.Mutex
	tick   func() // nil: stopped, or not started
	period time.Duration
	next   time.Time
}

// NewTicks makes ticks on clock.
func NewTicks(clock *Clock) *Ticks {
	return &Ticks{clock: clock}
}

// Ticker starts ticking every d; the function returned stops it.
func (c *Ticks) Ticker(d time.Duration, tick func()) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.tick, c.period, c.next = tick, d, c.clock.Now().Add(d)
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.tick = nil
	}
}

// Advance moves the clock on by d, ticking on the way.
func (c *Ticks) Advance(d time.Duration) {
	until := c.clock.Now().Add(d)
	for {
		c.mu.Lock()
		tick, at := c.tick, c.next
		if tick == nil || at.After(until) {
			c.mu.Unlock()
			break
		}
		c.next = at.Add(c.period)
		c.mu.Unlock()
		c.clock.Advance(at.Sub(c.clock.Now()))
		tick()
	}
	c.clock.Advance(until.Sub(c.clock.Now()))
}

// Now is the time of the clock the ticks are on.
func (c *Ticks) Now() time.Time { return c.clock.Now() }
