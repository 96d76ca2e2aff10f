{{ profile_csv('locations', ['location_id', 'location_name', 'site', 'directorate', 'specialty',
                             'location_type']) }}
