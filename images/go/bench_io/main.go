// bench_io: host I/O paths a DragonFly program leans on, measured from inside the guest.
//   pipe_MBps       64 KiB writes through an os.Pipe, read by another goroutine
//   pipe_wake_us    one-byte ping-pong over two pipes between goroutines on separate
//                   threads: each hop is a netpoller wake-up (kevent on DragonFly, epoll on Linux)
//   tcp_MBps        loopback TCP stream, 64 KiB writes
//
// Prints {"bench":"go_io",...} on one line; scale with argv[1] or VKEMU_BENCH_SCALE.
package main

import (
	"io"
	"net"
	"os"
	"runtime"
	"time"

	"vkemu.test/guests/internal/benchout"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// stream copies total bytes from w to r with 64 KiB writes; MB/s.
func stream(w io.WriteCloser, r io.Reader, total int) float64 {
	done := make(chan int)
	go func() {
		buf := make([]byte, 64<<10)
		n := 0
		for {
			k, err := r.Read(buf)
			n += k
			if err != nil {
				break
			}
		}
		done <- n
	}()
	chunk := make([]byte, 64<<10)
	t0 := time.Now()
	for sent := 0; sent < total; sent += len(chunk) {
		_, err := w.Write(chunk)
		must(err)
	}
	must(w.Close())
	got := <-done
	if got != total {
		panic("stream lost bytes")
	}
	return float64(total) / 1e6 / time.Since(t0).Seconds()
}

func pipeWake(n int) float64 {
	ar, aw, err := os.Pipe()
	must(err)
	br, bw, err := os.Pipe()
	must(err)
	go func() {
		runtime.LockOSThread()
		b := make([]byte, 1)
		for {
			if _, err := ar.Read(b); err != nil {
				bw.Close()
				return
			}
			bw.Write(b)
		}
	}()
	runtime.LockOSThread()
	b := make([]byte, 1)
	for i := 0; i < 50; i++ {
		aw.Write(b)
		br.Read(b)
	}
	t0 := time.Now()
	for i := 0; i < n; i++ {
		aw.Write(b)
		_, err := br.Read(b)
		must(err)
	}
	us := float64(time.Since(t0).Nanoseconds()) / float64(n) / 2 / 1e3
	aw.Close()
	return us
}

func tcp(total int) float64 {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	defer ln.Close()
	acc := make(chan net.Conn)
	go func() {
		c, err := ln.Accept()
		must(err)
		acc <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	must(err)
	s := <-acc
	defer s.Close()
	return stream(c, s, total)
}

func main() {
	runtime.GOMAXPROCS(2)
	start := time.Now()
	mb := benchout.N(256)
	pr, pw, err := os.Pipe()
	must(err)
	pipeMBps := stream(pw, pr, mb<<20)
	wake := pipeWake(benchout.N(5000))
	tcpMBps := tcp(mb << 20)
	benchout.Print(map[string]any{
		"bench":        "go_io",
		"ms":           benchout.Round3(float64(time.Since(start).Nanoseconds()) / 1e6),
		"pipe_MBps":    benchout.Round3(pipeMBps),
		"pipe_wake_us": benchout.Round3(wake),
		"tcp_MBps":     benchout.Round3(tcpMBps),
	})
}
