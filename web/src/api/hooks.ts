// react-query hooks over the typed client: one hook per API use, no global store.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type CreateRoom, type UpdateRoom } from './client';

export const keys = {
  rooms: ['rooms'] as const,
  platforms: ['platforms'] as const,
  room: (name: string) => ['room', name] as const,
  defaultMeeting: (name: string) => ['room', name, 'default-meeting'] as const,
  meeting: (name: string, id: string) => ['room', name, 'meeting', id] as const,
  activeMeetings: (name: string) => ['room', name, 'active-meetings'] as const,
  participants: (meetingId: string) => ['meeting', meetingId, 'participants'] as const,
};

export function useRooms() {
  return useQuery({
    queryKey: keys.rooms,
    queryFn: () => unwrap(api.GET('/v1/rooms', { params: { query: { page: 1, size: 100 } } })),
  });
}

export function usePlatforms() {
  return useQuery({
    queryKey: keys.platforms,
    queryFn: () => unwrap(api.GET('/v1/platforms')),
    staleTime: Infinity,
  });
}

export function useCreateRoom() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: CreateRoom) => unwrap(api.POST('/v1/rooms', { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.rooms }),
  });
}

export function useUpdateRoom() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: UpdateRoom }) =>
      unwrap(api.PATCH('/v1/rooms/{room_id}', { params: { path: { room_id: id } }, body })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.rooms }),
  });
}

export function useDeleteRoom() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE('/v1/rooms/{room_id}', { params: { path: { room_id: id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.rooms }),
  });
}

export function useRoomByName(name: string) {
  return useQuery({
    queryKey: keys.room(name),
    queryFn: () =>
      unwrap(api.GET('/v1/rooms/name/{room_name}', { params: { path: { room_name: name } } })),
    retry: false,
  });
}

// The room's default meeting: created on first use, the same one afterwards (reference §8.1).
export function useDefaultMeeting(name: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.defaultMeeting(name),
    queryFn: () =>
      unwrap(
        api.POST('/v1/rooms/{room_name}/meeting', {
          params: { path: { room_name: name } },
          body: { allow_duplicated: false },
        }),
      ),
    enabled,
    retry: false,
    staleTime: Infinity,
  });
}

export function useMeeting(name: string, meetingId: string | undefined) {
  return useQuery({
    queryKey: keys.meeting(name, meetingId ?? ''),
    queryFn: () =>
      unwrap(
        api.GET('/v1/rooms/{room_name}/meetings/{meeting_id}', {
          params: { path: { room_name: name, meeting_id: meetingId ?? '' } },
        }),
      ),
    enabled: meetingId !== undefined,
    retry: false,
  });
}

export function useActiveMeetings(name: string, enabled: boolean) {
  return useQuery({
    queryKey: keys.activeMeetings(name),
    queryFn: () =>
      unwrap(
        api.GET('/v1/rooms/{room_name}/meetings/active', {
          params: { path: { room_name: name } },
        }),
      ),
    enabled,
  });
}

export function useCreateUnscheduledMeeting(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/v1/rooms/{room_name}/meeting', {
          params: { path: { room_name: name } },
          body: { allow_duplicated: true },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.activeMeetings(name) }),
  });
}

export function useDeactivateMeeting(name: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (meetingId: string) =>
      unwrap(
        api.PATCH('/v1/meetings/{meeting_id}/deactivate', {
          params: { path: { meeting_id: meetingId } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.activeMeetings(name) }),
  });
}

export function joinMeeting(roomName: string, meetingId: string) {
  return unwrap(
    api.POST('/v1/rooms/{room_name}/meetings/{meeting_id}/join', {
      params: { path: { room_name: roomName, meeting_id: meetingId } },
    }),
  );
}

export function postConsent(meetingId: string, consentGiven: boolean) {
  return unwrap(
    api.POST('/v1/meetings/{meeting_id}/consent', {
      params: { path: { meeting_id: meetingId } },
      body: { consent_given: consentGiven },
    }),
  );
}

export function startRecording(meetingId: string, type: 'cloud' | 'raw-tracks', instanceId: string) {
  return unwrap(
    api.POST('/v1/meetings/{meeting_id}/recordings/start', {
      params: { path: { meeting_id: meetingId } },
      body: { type, instanceId },
    }),
  );
}

// Live participants. Polled (see README: one small GET per second per open call page is cheap,
// needs nothing held open on the server and works through any proxy).
export function useParticipants(meetingId: string, intervalMs = 1000) {
  return useQuery({
    queryKey: keys.participants(meetingId),
    queryFn: () =>
      unwrap(
        api.GET('/v1/meetings/{meeting_id}/participants', {
          params: { path: { meeting_id: meetingId } },
        }),
      ),
    refetchInterval: intervalMs,
  });
}

export function joinMockMeeting(meetingId: string, name: string) {
  return unwrap(
    api.POST('/v1/mock/meetings/{meeting_id}/participants', {
      params: { path: { meeting_id: meetingId } },
      body: { name },
    }),
  );
}

export function leaveMockMeeting(meetingId: string, participantId: string) {
  return unwrap(
    api.POST('/v1/mock/meetings/{meeting_id}/participants/{participant_id}/leave', {
      params: { path: { meeting_id: meetingId, participant_id: participantId } },
    }),
  );
}

export function leaveMockMeetingUrl(meetingId: string, participantId: string): string {
  return `/v1/mock/meetings/${encodeURIComponent(meetingId)}/participants/${encodeURIComponent(
    participantId,
  )}/leave`;
}
