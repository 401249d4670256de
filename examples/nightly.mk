# A nightly import: one report per call list in lists/, every stage's output a checkpoint.
#
#   make -k -f nightly.mk            import every lists/*.csv (-k: one bad list does not stop the others)
#   make -k -f nightly.mk -j4        four lists at a time
#
# Interrupted, or a stage failed? Run the same command again: finished stages are not redone,
# and the upload journal makes sure no chunk is imported twice. Credentials and the tenant
# come from the environment: CXONE_TENANT (or CXONE_BASE_URL), CXONE_CLIENT_ID, CXONE_CLIENT_SECRET;
# for a CXone calling list, CXONE_API=call-lists, CXONE_ACCESS_KEY_ID, CXONE_ACCESS_KEY_SECRET, CXONE_LIST_ID.

REGION ?= US
CHUNK  ?= 1000
LISTS  := $(wildcard lists/*.csv)

all: $(LISTS:lists/%.csv=out/%/report.txt)

# A stage that fails leaves no checkpoint behind (cxv's -o also writes only on success).
.DELETE_ON_ERROR:
# Keep every checkpoint, though nothing asks for it by name: a re-run resumes from them.
.SECONDARY:

# Status 1 means "some rows rejected": they are in the report, and the run goes on.
out/%/contacts.ndjson: lists/%.csv
	@mkdir -p $(@D)
	cxv-validate --region $(REGION) --dedupe -o $@ $< || [ $$? -eq 1 ]

out/%/chunks.ndjson: out/%/contacts.ndjson
	cxv-chunk --size $(CHUNK) -o $@ $<

out/%/compressed.ndjson: out/%/chunks.ndjson
	cxv-gzip -o $@ $<

# The journal is not a target: it outlives a failed or interrupted upload.
out/%/submitted.ndjson: out/%/compressed.ndjson
	cxv-upload --journal out/$*/upload.journal -o $@ $<

out/%/polled.ndjson: out/%/submitted.ndjson
	cxv-poll -o $@ $<

out/%/report.txt: out/%/polled.ndjson
	cxv-report --rejects out/$*/rejects.csv -o $@ $< || [ $$? -eq 1 ]
	@cat $@
