package main

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"time"
)

// TestDriveSetter plays the child's side of the setter protocol and checks
// the parent's: paths then an empty line, ready called between "ready"
// and "go", send times parsed in path order.
func TestDriveSetter(t *testing.T) {
	toChild, fromParent := io.Pipe()
	fromChild, toParent := io.Pipe()
	child := make(chan error, 1)
	go func() {
		in := bufio.NewReader(toChild)
		var got []string
		for {
			line, err := in.ReadString('\n')
			if err != nil {
				child <- err
				return
			}
			if line == "\n" {
				break
			}
			got = append(got, strings.TrimSuffix(line, "\n"))
		}
		if strings.Join(got, ",") != "/a,/b" {
			t.Errorf("child read paths %q", got)
		}
		io.WriteString(toParent, "ready\n")
		if line, _ := in.ReadString('\n'); line != "go\n" {
			t.Errorf("child read %q, want go", line)
		}
		io.WriteString(toParent, "1000\n2000\n")
		toParent.Close()
		child <- nil
	}()
	var readyCalls int
	sent, err := driveSetter(fromParent, bufio.NewReader(fromChild), []string{"/a", "/b"}, func() { readyCalls++ })
	if err != nil {
		t.Fatal(err)
	}
	if err := <-child; err != nil {
		t.Fatal(err)
	}
	if readyCalls != 1 {
		t.Fatalf("ready called %d times", readyCalls)
	}
	if len(sent) != 2 || !sent[0].Equal(time.Unix(0, 1000)) || !sent[1].Equal(time.Unix(0, 2000)) {
		t.Fatalf("sent = %v", sent)
	}
}

// TestDriveSetterShort checks that a child that stops early is an error,
// not a hang or a short result taken for whole.
func TestDriveSetterShort(t *testing.T) {
	toChild, fromParent := io.Pipe()
	fromChild, toParent := io.Pipe()
	go func() {
		in := bufio.NewReader(toChild)
		for line, _ := in.ReadString('\n'); line != "\n"; line, _ = in.ReadString('\n') {
		}
		io.WriteString(toParent, "ready\n")
		in.ReadString('\n')
		io.WriteString(toParent, "1000\n")
		toParent.Close()
	}()
	_, err := driveSetter(fromParent, bufio.NewReader(fromChild), []string{"/a", "/b"}, func() {})
	if err == nil || !strings.Contains(err.Error(), "1 of 2") {
		t.Fatalf("err = %v, want a short-read error", err)
	}
}
