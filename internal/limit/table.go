package limit

import "hash/maphash"

// maxShards bounds lock contention; minPerShard keeps small tables from being
// split so finely that one shard fills while others sit empty.
const (
	maxShards   = 64
	minPerShard = 16
)

// shardCount returns the number of shards for a table of maxKeys (a power of
// two) and the keys each shard may hold. Their product is at least maxKeys
// and exceeds it by less than one shard.
func shardCount(maxKeys int) (shards, perShard int) {
	maxKeys = max(maxKeys, 1)
	shards = 1
	for shards < maxShards && maxKeys/(shards*2) >= minPerShard {
		shards *= 2
	}
	return shards, (maxKeys + shards - 1) / shards
}

// shardOf picks a shard for key; mask is shards − 1.
func shardOf(seed maphash.Seed, key string, mask uint64) uint64 {
	return maphash.String(seed, key) & mask
}
