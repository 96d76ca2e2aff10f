{{ profile_csv('location_aliases', ['alias', 'location_id', 'site']) }}
