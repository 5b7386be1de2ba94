// Command etcd is etcd's own server entry point (go.etcd.io/etcd/server/v3/etcdmain.Main), built from the Go module
// proxy at the version in go.mod. etcd's upstream main lives in the go.etcd.io/etcd/v3 root module, which is not
// meant to be required; etcdmain is the package that main calls, so this is the same binary minus the version
// banner's git SHA (see docs/cluster.md).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
