// netloop: TCP, UDP and AF_UNIX sockets over loopback, served by host sockets.
package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"

	"vkemu.test/guests/internal/check"
)

func main() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if check.NoErr(err, "listen on 127.0.0.1:0") {
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			io.Copy(c, c) // echo
			c.Close()
		}()
		c, err := net.Dial("tcp", ln.Addr().String())
		if check.NoErr(err, "dial the listener") {
			c.Write([]byte("ping over tcp"))
			c.(*net.TCPConn).CloseWrite()
			b, err := io.ReadAll(c)
			check.OK(err == nil && string(b) == "ping over tcp", "tcp echo", "err=%v b=%q", err, b)
			check.OK(c.RemoteAddr().String() == ln.Addr().String(), "peer address", "%v vs %v", c.RemoteAddr(), ln.Addr())
			c.Close()
		}
		ln.Close()
	}

	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if check.NoErr(err, "udp socket") {
		v, err := net.Dial("udp", u.LocalAddr().String())
		if check.NoErr(err, "udp dial") {
			v.Write([]byte("dgram"))
			buf := make([]byte, 64)
			n, from, err := u.ReadFrom(buf)
			check.OK(err == nil && string(buf[:n]) == "dgram" && from.String() == v.LocalAddr().String(), "udp datagram with sender address", "err=%v %q from %v", err, buf[:n], from)
		}
	}

	dir, _ := os.MkdirTemp("", "vkemu-unix")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sock")
	ul, err := net.Listen("unix", path)
	if check.NoErr(err, "unix listen") {
		go func() {
			c, err := ul.Accept()
			if err == nil {
				c.Write([]byte("over a unix socket"))
				c.Close()
			}
		}()
		c, err := net.Dial("unix", path)
		if check.NoErr(err, "unix dial") {
			b, err := io.ReadAll(c)
			check.OK(err == nil && string(b) == "over a unix socket", "unix stream transfer", "err=%v b=%q", err, b)
		}
		_, err = net.Dial("tcp", "127.0.0.1:1")
		check.OK(err != nil, "connection refused is reported", "err=%v", err)
	}
	// SCM_RIGHTS: a file descriptor travels over a socketpair.
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if check.NoErr(err, "socketpair") {
		f, _ := os.CreateTemp(dir, "rights")
		f.WriteString("passed through SCM_RIGHTS")
		err = syscall.Sendmsg(fds[0], []byte("x"), syscall.UnixRights(int(f.Fd())), nil, 0)
		if check.NoErr(err, "sendmsg with SCM_RIGHTS") {
			buf := make([]byte, 8)
			oob := make([]byte, syscall.CmsgSpace(4))
			_, oobn, _, _, err := syscall.Recvmsg(fds[1], buf, oob, 0)
			if check.NoErr(err, "recvmsg") {
				msgs, _ := syscall.ParseSocketControlMessage(oob[:oobn])
				var got string
				if len(msgs) == 1 {
					if rfds, err := syscall.ParseUnixRights(&msgs[0]); err == nil && len(rfds) == 1 {
						g := os.NewFile(uintptr(rfds[0]), "received")
						b := make([]byte, 64)
						n, _ := g.ReadAt(b, 0)
						got = string(b[:n])
						g.Close()
					}
				}
				check.OK(got == "passed through SCM_RIGHTS", "the received descriptor reads the same file", "got %q", got)
			}
		}
	}
	check.Done()
}
