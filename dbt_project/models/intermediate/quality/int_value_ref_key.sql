-- The random key of this deployment's value_ref pointers, read from its private file beside
-- the warehouse (pipelines.lib.value_ref_key writes it once), so the pointers stay the same
-- from night to night and a rebuilt warehouse publishes the same ones, while a published
-- value_ref cannot be recomputed from a guessed value (an NHS number, say) without the key.
select trim(content) as ref_key
from read_text('{{ env_var("TRIANGULATE_VALUE_REF_KEY_FILE", "../data/warehouse/value_ref.key") }}')
