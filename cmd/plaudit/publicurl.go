package main

import "net"

// defaultPublicURL is the public URL when PLAUDIT_PUBLIC_URL is unset: the
// listen address as this machine reaches it, so that PLAUDIT_ADDR=:8092
// alone gives links and webhook URLs on port 8092. A host of all
// interfaces (or none) is reached as localhost.
func defaultPublicURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
