// Package powerfs is a FUSE filesystem (on github.com/hanwen/go-fuse/v2) that simulates the disk
// half of a power loss, so that kbench can measure what Kafka's flush settings buy. It is a
// loopback onto a real folder (the source): every operation passes through at once, and for each
// file it keeps what has not been made durable since the file's last fsync or fdatasync: the size
// the file had then, and the original bytes of every range within that size that a write or a
// truncate has changed since. Lose ("a power loss") puts every file back to its state at its last
// sync: appends are cut off, overwritten ranges restored, size changes undone. Report says, per
// file, how many bytes a loss would drop now.
//
// # What is simulated
//
// File data and size, like Jepsen's LazyFS (which found lost acknowledged writes in NATS this way):
//   - write (pwrite) past the synced size: cut off by a loss. Cheap: an append records nothing, no
//     allocation (BenchmarkAppend, TestAppendAllocatesNothing).
//   - write within the synced size: the bytes it replaces are copied first (once per range), and
//     restored by a loss.
//   - truncate/ftruncate (O_TRUNC too): shrinking saves what it cuts (all-zero 64 KiB chunks without
//     a copy: Kafka trims 10 MiB preallocated indexes); a loss restores the synced size and bytes.
//   - fallocate: plain and KEEP_SIZE pass (undone like a size change); modes that change contents
//     (punch hole, zero range, collapse, insert) are refused with EOPNOTSUPP (Kafka uses none).
//   - fsync and fdatasync (Java's FileChannel.force(true/false) and MappedByteBuffer.force, which
//     is msync(MS_SYNC) and reaches FUSE as FSYNC) are the same here: both make the file's data
//     and size durable, which is all this filesystem models. The backing file is really fsync'ed,
//     so the cost of a flush stays real. Writes racing an fsync count as synced by it.
//   - mmap: the kernel page cache stays on (no direct I/O; FUSE passthrough is off, so reads and
//     writes reach the daemon; the FUSE writeback cache is off, so a write() reaches the daemon
//     before it returns). A page dirtied through a shared mapping reaches the daemon only when the
//     kernel writes it back: msync, a close of the file, the process's exit (a SIGKILL'ed broker
//     closes its files), memory pressure, or at the latest when Lose unmounts. From then on it is
//     an ordinary write: lost unless a later fsync/msync covered it. So a Kafka index written
//     through mmap and never flushed is lost in a power loss, and Kafka rebuilds it on its unclean
//     recovery (TestMmapWriteWithMsyncSurvives, TestMmapWriteWithoutMsyncIsLost). Report cannot see
//     pages the kernel still holds dirty; Lose's own report does (it unmounts first).
//
// # What is not simulated (metadata)
//
// Creating, renaming, unlinking and making folders go straight through and are durable at once, as
// in LazyFS: no directory fsync is needed and none is modelled (directory fsync passes through).
// A file created since its last sync survives a loss with its synced size (0 if never synced); a
// renamed file keeps its new name, and its data goes back to its last sync under that name (the
// bookkeeping follows the inode); an unlinked file stays unlinked. Kafka makes this choice safe
// enough: it fsyncs a folder itself where it relies on a name (Utils.atomicMoveWithFallback flushes
// the parent folder after a rename, for checkpoint files and renamed segments and folders;
// LocalLog.flush flushes the partition folder when it flushes segments new since the recovery
// point), and its recovery treats a segment whose tail was lost like any unflushed tail. Under
// Kafka's default flush, a segment created since the last flush could, on a real disk, lose its
// name too; here it keeps its name and loses its contents, which Kafka's recovery handles the same
// way (both are past the recovery point). What a real disk could
// do beyond this is not simulated: a new segment or partition folder vanishing, a rename undone, a
// write cache that loses a synced write, torn or reordered sector writes within a file. Nor does
// this filesystem write back on its own: real Linux writes dirty pages back within about 30 s
// (vm.dirty_expire_centisecs), this filesystem keeps everything since the last sync unsynced, so it
// simulates the worst case of a loss at any moment.
//
// # Control
//
// A daemon (DaemonMain; `kbench powerfs serve`, started by `kbench cluster up --power-loss-sim` one
// per node) serves one mount and answers the control protocol on a unix socket (Client: status,
// report, lose, sync, shutdown; see Request). Lose needs the program using the mount stopped (it
// unmounts to make the kernel hand over every dirty page and to drop its now wrong page cache, rolls
// back, and mounts again): the order of a simulated power loss is kill, lose, restart.
// Locks stay the kernel's own (go-fuse's EnableLocks off), so flock and fcntl locks (Kafka's .lock)
// work on the mount as on a local disk for processes on this machine.
package powerfs
