package stages_test

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/internal/stages"
)

// TestChunks_Recycle checks that a stream in steady state moves chunks
// without allocating: Get takes back what Put returned.
func TestChunks_Recycle(t *testing.T) {
	s := stages.NewChunks[int](2, 16)
	require.Equal(t, 16, s.Size())
	c := s.Get()
	require.Zero(t, len(c))
	require.Equal(t, 16, cap(c))
	s.Put(c)

	allocs := testing.AllocsPerRun(1000, func() {
		c := s.Get()
		c = append(c, 1, 2, 3)
		if !s.Send(nil, c) {
			t.Fatal("Send with room returned false")
		}
		s.Put(<-s.C())
	})
	require.Zero(t, allocs, "allocations per chunk in steady state")
}

// TestChunks_PutClearsItems checks that a chunk put back keeps no item
// alive and comes back empty.
func TestChunks_PutClearsItems(t *testing.T) {
	s := stages.NewChunks[*int](0, 4)
	c := append(s.Get(), new(int), new(int))
	s.Put(c)
	got := s.Get()
	require.Zero(t, len(got))
	require.Same(t, &c[0], &got[:1][0], "Get returned a new chunk, not the one put back")
	require.Equal(t, []*int{nil, nil, nil, nil}, got[:4])
}

// TestChunks_PutIgnoresForeignChunks checks that chunks of another capacity,
// such as result chunks that grew past Size, are left to the garbage
// collector, and that a full free list drops the extra chunk without
// blocking.
func TestChunks_PutIgnoresForeignChunks(t *testing.T) {
	s := stages.NewChunks[int](1, 4)
	s.Put(make([]int, 0, 5))
	require.Equal(t, 4, cap(s.Get()))
	for range 100 { // far more than the free list holds
		s.Put(make([]int, 0, 4))
	}
}

// TestChunks_SendEmpty checks that an empty chunk counts as sent but does
// not travel: it goes back to the free list.
func TestChunks_SendEmpty(t *testing.T) {
	s := stages.NewChunks[int](1, 4)
	c := s.Get()
	closed := make(chan struct{})
	close(closed)
	require.True(t, s.Send(closed, c))
	require.Empty(t, s.C())
	require.Same(t, &c[:1][0], &s.Get()[:1][0], "the empty chunk was not put back")
}

// TestChunks_SendHonoursDone checks that Send blocks while the channel is
// full and gives up, reporting false, when done closes; with room it
// sends even if done is closed.
func TestChunks_SendHonoursDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := stages.NewChunks[int](1, 4)
		done := make(chan struct{})
		require.True(t, s.Send(done, append(s.Get(), 1)))
		sent := make(chan bool, 1)
		go func() { sent <- s.Send(done, append(s.Get(), 2)) }()
		synctest.Wait()
		require.Empty(t, sent, "Send returned while the channel was full")
		close(done)
		require.False(t, <-sent)
		require.Equal(t, []int{1}, <-s.C())

		require.True(t, s.Send(done, append(s.Get(), 3)), "Send with room sends even after done")
		s.Close()
		var rest [][]int
		for c := range s.C() {
			rest = append(rest, c)
		}
		require.Equal(t, [][]int{{3}}, rest)
	})
}

// TestEmit checks Emit like Send: it sends while there is room or a
// reader, and gives up when done closes first.
func TestEmit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		out := make(chan int)
		done := make(chan struct{})
		got := make(chan int, 1)
		go func() { got <- <-out }()
		require.True(t, stages.Emit(done, out, 7))
		require.Equal(t, 7, <-got)

		res := make(chan bool, 1)
		go func() { res <- stages.Emit(done, out, 8) }()
		synctest.Wait()
		require.Empty(t, res)
		close(done)
		require.False(t, <-res)
	})
}

// TestNewChunks_Panics checks the programmer errors NewChunks refuses.
func TestNewChunks_Panics(t *testing.T) {
	msg := "stages: NewChunks with negative buffer or size < 1"
	require.PanicsWithValue(t, msg, func() { stages.NewChunks[int](-1, 1) })
	require.PanicsWithValue(t, msg, func() { stages.NewChunks[int](0, 0) })
	require.NotPanics(t, func() { stages.NewChunks[int](0, 1) })
}
