package fourletter_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/zkwire/zk/fourletter"
)

func ExampleSrvr() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := fourletter.Srvr(ctx, "127.0.0.1:2181")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.Mode, s.Version.Number, s.Version.Built.Format(time.DateOnly))
	if !s.Version.AtLeast(3, 6) {
		fmt.Println("no persistent watches on this server")
	}
}

func ExampleWchc() {
	ctx := context.Background()
	bySession, err := fourletter.Wchc(ctx, "127.0.0.1:2181")
	if errors.Is(err, fourletter.ErrNotWhitelisted) {
		log.Fatal("add wchc to 4lw.commands.whitelist")
	}
	if err != nil {
		log.Fatal(err)
	}
	for id, paths := range bySession {
		fmt.Printf("0x%x watches %v\n", id, paths)
	}
}
