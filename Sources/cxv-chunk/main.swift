// cxv-chunk: the command is in CXVChunkCommand, which the multi-call program `cxv` runs too.
import CXVChunkCommand

ChunkCommand.main()
