// hello: the smallest Go guest. Prints one line and exits 0.
package main

import "fmt"

func main() {
	fmt.Println("hello from Go on DragonFly")
}
