#!/usr/bin/env bash
# Build (once) the Debian bookworm VM image the gateway-vm harness boots, and print its folder.
#
#   scripts/gateway-vm/image.sh [amd64|arm64]      -> prints CACHE/image-ARCH-KEY
#
# The folder holds disk.raw (ext4, the whole root file system), vmlinuz and initrd.img. It is cached
# under $EV_EDGE_VM_CACHE (default /var/cache/ev-edge-vm), never in the repository, keyed by a hash
# of everything that goes into it: this script, the job unit (guest/gateway-vm-job.service), the package list,
# the Debian mirror and the Node.js binary copied in as /usr/bin/node. Change any of them and a new
# image is built; old ones can be deleted by hand.
#
# Why this shape: debootstrap into a folder and `mkfs.ext4 -d` it into a raw disk needs no loop
# device (unavailable in many containers), and booting the rootfs' own kernel with -kernel keeps
# GRUB out. initramfs-tools cannot see the root file system from a chroot, so FSTYPE=ext4 is set by
# hand: otherwise fsck is left out of the initrd and a power cut is never checked at boot.
set -euo pipefail
arch="${1:-amd64}"
here="$(cd "$(dirname "$0")" && pwd)"
cache="${EV_EDGE_VM_CACHE:-/var/cache/ev-edge-vm}"
say() { echo "image.sh: $*" >&2; }

# The mirror apt is configured with here (Debian's registry is the only one this may reach).
mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list 2>/dev/null \
  | grep -v '^[[:space:]]*#' | grep -oE 'https?://[^ ]*/debian/?( |$)' | head -1 | tr -d ' ' || true)"
mirror="${mirror:-http://deb.debian.org/debian}"
packages="systemd-sysv,udev,dbus,kmod,iproute2,iputils-ping,can-utils,socat,sqlite3,curl,procps,e2fsprogs,initramfs-tools,ca-certificates,python3"
case "$arch" in
  amd64) kernel_pkg=linux-image-amd64; node_bin="${EV_EDGE_VM_NODE:-$(command -v node)}" ;;
  arm64) kernel_pkg=linux-image-arm64; node_bin="${EV_EDGE_VM_NODE:?arm64 image needs EV_EDGE_VM_NODE=path of an arm64 node binary}" ;;
  *) echo "image.sh: unknown architecture $arch (amd64 or arm64)" >&2; exit 2 ;;
esac
node_bin="$(readlink -f "$node_bin")"

key="$( { cat "$0" "$here/guest/gateway-vm-job.service"; echo "$mirror $packages $kernel_pkg"; sha256sum "$node_bin"; } | sha256sum | cut -c1-16)"
out="$cache/image-$arch-$key"
if [ -f "$out/disk.raw" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
  say "cached image $out"; echo "$out"; exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "image.sh: building the VM image needs root (debootstrap, chroot)" >&2; exit 77; }
mkdir -p "$cache"
work="$(mktemp -d "$cache/build-$arch-XXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
foreign=()
[ "$arch" = "$(dpkg --print-architecture)" ] || foreign=(--foreign)
say "debootstrap bookworm $arch from $mirror (a few minutes)"
debootstrap "${foreign[@]}" --arch="$arch" --variant=minbase --include="$packages,$kernel_pkg" \
  bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
if [ "${#foreign[@]}" -gt 0 ]; then
  # Second stage of a foreign architecture runs under qemu-user's binfmt handler.
  chroot "$root" /debootstrap/debootstrap --second-stage > "$work/stage2.log" 2>&1 \
    || { tail -20 "$work/stage2.log" >&2; exit 1; }
fi

# Base system: root on the virtio disk, the 9p job share, DHCP on QEMU's user network, no clutter.
echo gateway-vm > "$root/etc/hostname"
printf '/dev/vda / ext4 errors=remount-ro 0 1\njob /mnt/job 9p trans=virtio,version=9p2000.L,msize=262144,nofail 0 0\n' > "$root/etc/fstab"
mkdir -p "$root/mnt/job" "$root/etc/systemd/network"
printf '9p\n9pnet_virtio\nvcan\ncan_raw\nsch_netem\n' > "$root/etc/modules-load.d/gateway-vm.conf"
printf '[Match]\nName=e*\n[Network]\nDHCP=ipv4\n' > "$root/etc/systemd/network/10-eth.network"
echo 'FSTYPE=ext4' > "$root/etc/initramfs-tools/conf.d/fstype"
install -m 0755 "$node_bin" "$root/usr/bin/node"
install -m 0644 "$here/guest/gateway-vm-job.service" "$root/etc/systemd/system/"
chroot "$root" /bin/sh -c '
  set -e
  passwd -d root >/dev/null
  systemctl enable systemd-networkd gateway-vm-job.service >/dev/null 2>&1
  systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer systemd-networkd-wait-online.service >/dev/null 2>&1
  update-initramfs -u -k all >/dev/null 2>&1'
cp "$(readlink -f "$root/vmlinuz")" "$work/vmlinuz"
cp "$(readlink -f "$root/initrd.img")" "$work/initrd.img"
chmod 0644 "$work/vmlinuz" "$work/initrd.img"
rm -rf "$root/var/cache/apt/archives/"*.deb
# 3 GiB, sparse: room for the agent, its buffer and the scenarios' logs.
mkfs.ext4 -q -F -L gateway-vm -d "$root" "$work/disk.raw" 3G
rm -rf "$root"
mv "$work" "$out"
trap - EXIT
say "built image $out"
echo "$out"
