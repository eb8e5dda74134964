# Sourced by scripts/bench.sh and bench/profile.sh: the disk the measured
# directories live on.
#
#   bench_disk WORK SIZE   makes WORK/disk.img (sparse, SIZE as for truncate),
#                          an ext4 with mkfs's defaults (journal) and its inode
#                          tables written out at once, loop-mounted (direct I/O)
#                          at WORK/disk
#   bench_disk_release     unmounts it again (call before removing WORK)
#
# Sets DISK (WORK/disk, or WORK itself when no filesystem could be made),
# DISK_MOUNTED (1 or 0) and DISK_NOTE (why not, or empty). BENCH_FS=dir asks
# for WORK itself.
#
# Why: the machine's own filesystem carries the history of everything done
# on it. On an ext4 without a journal, for one, creating files after the page
# cache was dropped reads inode tables to skip recently deleted inodes: the
# same bare files.create took 0.15 s or 0.7 s depending on what ran before.
# A filesystem made for the run starts every run alike.
bench_disk() {
  local work=$1 size=$2
  DISK=$work DISK_MOUNTED=0 DISK_NOTE=""
  case "${BENCH_FS:-image}" in
    dir) return 0 ;;
    image) ;;
    *) echo "BENCH_FS must be image or dir" >&2; return 2 ;;
  esac
  if [ "$(id -u)" -ne 0 ]; then
    DISK_NOTE="a filesystem of its own needs root (mount -o loop); working in $work instead"
    return 0
  fi
  mkdir -p "$work/disk"
  truncate -s "$size" "$work/disk.img"
  # Direct I/O from the loop device to its file: without it the file's own
  # page cache sits under the filesystem's, and a read after drop_caches took
  # 0.3 s or 1.5 s for the same 1 GiB.
  local dev=""
  if mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 "$work/disk.img" 2>>"$work/mkfs.log" &&
    dev=$(losetup -f --show --direct-io=on "$work/disk.img" 2>>"$work/mkfs.log") &&
    mount "$dev" "$work/disk" 2>>"$work/mkfs.log"; then
    losetup -d "$dev"  # detached once unmounted
    DISK=$work/disk DISK_MOUNTED=1
  else
    [ -z "$dev" ] || losetup -d "$dev" 2>/dev/null
    DISK_NOTE="no loop-mounted filesystem ($(tail -n 1 "$work/mkfs.log")); working in $work instead"
    rm -f "$work/disk.img"
  fi
}
bench_disk_release() {
  [ "${DISK_MOUNTED:-0}" = 1 ] || return 0
  umount "$DISK" 2>/dev/null || umount -l "$DISK" 2>/dev/null || return 1
  DISK_MOUNTED=0
}
# What the disk is, for a report.
bench_disk_describe() {
  if [ "${DISK_MOUNTED:-0}" = 1 ]; then
    echo "a new $(numfmt --to=iec "$(stat -c %s "${DISK%/disk}/disk.img")")B ext4 made for the run (mkfs.ext4 defaults with a journal, inode tables written out) in a sparse file on $(df -T "${DISK%/disk}" | awk 'NR==2 {print $2 " " $1}'), loop-mounted with direct I/O"
  else
    echo "$(df -T "$DISK" | awk 'NR==2 {print $2 " on " $1}')"
  fi
}
