#!/bin/sh
# busybox udhcpc's script (udhcpc -s /lib/keel/udhcpc.sh): udhcpc only talks DHCP, this
# applies what it learnt. $1 is the event; $interface, $ip, $mask (prefix length), $router
# come from the lease (busybox's networking/udhcp/dhcpc.c sets them).
case $1 in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound | renew)
	ip addr flush dev "$interface"
	ip addr add "$ip/${mask:-24}" dev "$interface"
	for gw in $router; do
		ip route add default via "$gw" dev "$interface"
		break
	done
	;;
esac
exit 0
