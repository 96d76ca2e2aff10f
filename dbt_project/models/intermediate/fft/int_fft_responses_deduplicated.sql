-- One row per FFT response. Overlapping supplier extracts repeat responses, but the loader
-- keeps each response id once across all of a source's files: a later copy identical in
-- every field is rejected as an exact duplicate of the first, and copies that differ are all
-- rejected (pipelines.lib.ingest, KEYS_ACROSS_FILES). So no window is needed here (over a
-- large trust's 1.5M responses it held 0.1-0.2 GB in each of the spine, the keyword texts and
-- fft_experience); the unique test on stg_fft__responses.response_id gates every build on it.

select * from {{ ref('stg_fft__responses') }}
