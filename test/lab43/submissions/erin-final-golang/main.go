// main.go: the Lab 43 web service. GET / answers "Hello from Lab 43!" on port 8080.
package main

import (
	"fmt"
	"log"
	"net/http"
)

func main() {
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "Hello from Lab 43!")
	})
	// ":8080" listens on every interface, so the port published by docker run reaches it.
	log.Println("listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", nil))
}
